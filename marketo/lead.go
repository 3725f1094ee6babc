package marketo

import (
	"context"
	"time"
)

// MaxBatch is the largest number of leads Marketo accepts in one sync call,
// over SOAP (documented recommendation) and REST (hard limit) alike.
const MaxBatch = 300

// Attribute is one lead field to set, by its API name. Values are sent as
// the operator's text; Marketo converts them to the field's type.
type Attribute struct {
	Name  string
	Value string
	// Clear empties the field in Marketo instead of setting Value: REST
	// sends JSON null. SOAP has no way to say it, so the SOAP client
	// refuses a lead with a Clear attribute.
	Clear bool
}

// Foreign system types accepted with a ForeignSysPersonId.
const (
	ForeignSysCustom   = "CUSTOM"
	ForeignSysSFDC     = "SFDC"
	ForeignSysNetSuite = "NETSUITE"
)

// Lead is one record to create or update. Which of ID, ForeignSysPersonID
// and Email identifies the lead follows Marketo's precedence; see [Lead.Key].
type Lead struct {
	ID                 int // Marketo lead ID; 0 means not given
	Email              string
	ForeignSysPersonID string
	ForeignSysType     string // one of the ForeignSys* constants, or empty
	Attributes         []Attribute
}

// KeyKind names the field Marketo matches a lead on.
type KeyKind int

// Key kinds in Marketo's order of precedence: an Id wins over a
// ForeignSysPersonId, which wins over an Email.
const (
	KeyNone KeyKind = iota
	KeyID
	KeyForeignSysPersonID
	KeyEmail
)

func (k KeyKind) String() string {
	switch k {
	case KeyID:
		return "Marketo Id"
	case KeyForeignSysPersonID:
		return "ForeignSysPersonId"
	case KeyEmail:
		return "Email"
	default:
		return "no key"
	}
}

// Key reports which field Marketo will match this lead on.
func (l Lead) Key() KeyKind {
	switch {
	case l.ID != 0:
		return KeyID
	case l.ForeignSysPersonID != "":
		return KeyForeignSysPersonID
	case l.Email != "":
		return KeyEmail
	default:
		return KeyNone
	}
}

// Status is the outcome Marketo reports for one lead.
type Status string

// The three outcomes of syncMultipleLeads (LeadSyncStatus in the WSDL).
const (
	Created Status = "CREATED"
	Updated Status = "UPDATED"
	Failed  Status = "FAILED"
)

// SyncStatus is Marketo's answer for one lead of a sync call.
type SyncStatus struct {
	LeadID int
	Status Status
	Error  string // Marketo's reason when Status is Failed; empty otherwise
	// Code is Marketo's first reason code when Status is Failed over REST
	// ("1004"); empty otherwise.
	Code string
}

// Syncer creates or updates leads in Marketo.
//
// SyncLeads sends at most [MaxBatch] leads in one call and returns one status
// per lead, in input order. With dedup false every lead is created anew.
// A call-level failure (auth, limits, transport) returns an error and no
// statuses; classify it with [IsRetryable], [IsRateLimit], [IsQuota] and
// [IsAuth].
type Syncer interface {
	SyncLeads(ctx context.Context, leads []Lead, dedup bool) ([]SyncStatus, error)
}

// SyncMode says which leads a sync may touch when dedup is on.
type SyncMode int

// Sync modes. CreateOnly and UpdateOnly are REST Sync Leads' createOnly and
// updateOnly actions; SOAP's syncMultipleLeads has only CreateOrUpdate.
const (
	CreateOrUpdate SyncMode = iota // update the lead that matches, else create one
	CreateOnly                     // create leads that do not match; leave matches alone (1005)
	UpdateOnly                     // update leads that match; create nobody (1004)
)

func (m SyncMode) String() string {
	switch m {
	case CreateOnly:
		return "create only"
	case UpdateOnly:
		return "update only"
	default:
		return "create or update"
	}
}

// ModeSyncer is a Syncer that can also restrict a sync with a [SyncMode].
// SyncLeadsMode always dedupes: a mode only makes sense when leads are
// matched. Rows a mode leaves alone come back Failed with Marketo's reason
// and Code "1005" (exists, CreateOnly) or "1004" (not found, UpdateOnly).
type ModeSyncer interface {
	Syncer
	SyncLeadsMode(ctx context.Context, leads []Lead, mode SyncMode) ([]SyncStatus, error)
}

// PartitionSyncer creates new leads in a lead partition: partitions do not
// dedupe against each other, so a partitioned instance's import names the
// one its people belong in. RESTClient implements it.
type PartitionSyncer interface {
	ModeSyncer
	SyncLeadsInto(ctx context.Context, leads []Lead, mode SyncMode, partition string) ([]SyncStatus, error)
}

// Field describes one lead field of a Marketo instance.
type Field struct {
	Name        string // API name, as sent in attributes
	DisplayName string
	Type        string // Marketo data type: string, email, integer, date, datetime, boolean, ...
	Length      int    // maximum length for text types; 0 when unknown or not applicable
	ReadOnly    bool
	// CRMManaged fields are written by the instance's CRM sync (Salesforce,
	// Dynamics); Marketo keeps them for the CRM, so an import must not map
	// them.
	CRMManaged bool
	// Searchable fields can be a lookup field (REST describe2's
	// searchableFields).
	Searchable bool
}

// FieldLister lists the lead fields an instance knows.
type FieldLister interface {
	LeadFields(ctx context.Context) ([]Field, error)
}

// MaxFindValues is the most values one FindLeads call takes (Marketo's limit).
const MaxFindValues = 300

// FoundLead is a lead a lookup found.
type FoundLead struct {
	ID        int
	Email     string
	CreatedAt time.Time
	UpdatedAt time.Time
	Fields    map[string]string // the extra fields asked for, by REST name; absent or null ones left out
}

// LeadFinder looks leads up by one field. RESTClient implements it.
//
// FindLeads returns every lead whose field (a REST name: "email", "id" or a
// searchable custom field) equals one of values, in no promised order.
// Values may not contain commas, and a call takes 1 to [MaxFindValues] of
// them. fields names extra fields to return in [FoundLead.Fields]. Marketo
// refuses a lookup matching more than 1,000 leads (1003); that and
// call-level failures come back as the errors [Syncer] returns, so
// [ClassOf] and friends classify them.
type LeadFinder interface {
	FindLeads(ctx context.Context, field string, values []string, fields []string) ([]FoundLead, error)
}

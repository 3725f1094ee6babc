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

// Field describes one lead field of a Marketo instance.
type Field struct {
	Name        string // API name, as sent in attributes
	DisplayName string
	Type        string // Marketo data type: string, email, integer, date, datetime, boolean, ...
	Length      int    // maximum length for text types; 0 when unknown or not applicable
	ReadOnly    bool
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

package marketotest

import (
	"time"
)

// Default credentials of the sandbox. They are fixed public demo values, not
// secrets: anyone running `leadsheet sandbox` sees them printed.
const (
	DefaultUserID        = "leadsheet_sandbox_1"
	DefaultEncryptionKey = "sandbox-encryption-key"
	DefaultClientID      = "leadsheet-sandbox-client"
	DefaultClientSecret  = "sandbox-client-secret"
)

// Paths the sandbox serves, relative to its root URL.
const (
	SOAPPath     = "/soap/mktows/2_2"
	RESTPath     = "/rest"
	BulkPath     = "/bulk"
	IdentityPath = "/identity"
)

// Data types a field can have, as Marketo names them in describe answers
// (Adobe's field-types.md lists them all).
const (
	TypeString   = "string"
	TypeText     = "text"
	TypeEmail    = "email"
	TypePhone    = "phone"
	TypeURL      = "url"
	TypeInteger  = "integer"
	TypeFloat    = "float"
	TypeCurrency = "currency"
	TypeDate     = "date"
	TypeDateTime = "datetime"
	TypeBoolean  = "boolean"
	// TypePercent is "a percentage expressed as an integer": 30, not
	// "30%" (a live instance skips "100%" with 1003).
	TypePercent = "percent"
	// TypeScore is an integer a Change Score flow step can add to.
	TypeScore = "score"
	// TypeReference is a string holding a key to another record, such as
	// acquisitionProgramId.
	TypeReference = "reference"
	// TypeFormula is computed by Marketo from other fields, so it is
	// always read-only.
	TypeFormula = "formula"
)

// FieldDef is one lead field the sandbox knows.
type FieldDef struct {
	// SOAPName is the attribute name over SOAP (attrName), e.g. "FirstName".
	SOAPName string
	// RESTName is the field name over REST, e.g. "firstName".
	RESTName    string
	DisplayName string
	// DataType is one of the Type* constants.
	DataType string
	// Length is the maximum length in characters for text types (bytes for
	// TypeText); 0 means no limit is checked.
	Length   int
	ReadOnly bool
	// CRMManaged fields are written by the instance's CRM sync. describe2
	// reports them crmManaged and not updateable, and Sync Leads refuses
	// them like a ReadOnly field.
	CRMManaged bool
	// Searchable fields may be used as a REST lookupField.
	Searchable bool
	Custom     bool
}

// Partition is a lead partition (Config.Partitions). Workspace is the
// workspace it belongs to, "Default" when empty: static lists and
// programs of a workspace take members only from its partitions.
type Partition struct {
	Name        string
	Description string
	Workspace   string
}

// Config configures a sandbox. Zero limits disable that limit; use
// DefaultConfig for Marketo's documented values.
type Config struct {
	// SOAP credentials.
	UserID        string
	EncryptionKey string
	// REST credentials.
	ClientID     string
	ClientSecret string

	// TimestampWindow is how far a SOAP requestTimestamp may lie from the
	// sandbox clock, in either direction, before the call fails with 20016.
	// Marketo does not document its window. Zero disables the check.
	TimestampWindow time.Duration
	// TokenTTL is the lifetime of a REST access token (Marketo: 3600 s).
	TokenTTL time.Duration

	// RateLimit calls per RateWindow (Marketo: 100 per 20 s); zero disables.
	RateLimit  int
	RateWindow time.Duration
	// MaxConcurrent calls in flight (Marketo: 10); zero disables.
	MaxConcurrent int
	// DailyQuota calls per day, shared by SOAP and REST; zero disables. The
	// SOAP docs say 10,000, the REST docs 50,000; the default follows REST
	// because that is what a live instance has today. The day starts at
	// 00:00 CST (UTC-6), as Marketo documents.
	DailyQuota int
	// MaxBatch records per sync call (Marketo: 300); zero disables.
	MaxBatch int

	// OtherIntegrationSlots is how many of the MaxConcurrent slots a
	// simulated other integration (a CRM sync, say) holds all the time,
	// so a client that takes more than the rest gets 615 (20024 over
	// SOAP). It must be below MaxConcurrent.
	OtherIntegrationSlots int
	// OtherIntegrationRate is how many calls of every RateWindow the other
	// integration makes; a client gets 606 (20023) when its own calls in
	// the window reach RateLimit minus these. They count against the
	// daily quota as OtherIntegrationUser's. It must be below RateLimit.
	OtherIntegrationRate int

	// BulkImportDelay is how long a bulk import job stays Queued at least
	// before it may start Importing (when fewer than two jobs are).
	BulkImportDelay time.Duration
	// BulkRowTime is how long importing one row of a bulk import takes:
	// a job of n rows stays Importing n times this long. Zero imports a
	// job the moment it starts.
	BulkRowTime time.Duration

	// UpsertRace, when positive, emulates what Adobe's Sync Leads docs
	// warn of: concurrent or closely timed upserts with the same key can
	// create duplicate leads. An upsert call (REST createOrUpdate, SOAP
	// syncMultipleLeads with dedupEnabled true, the default) waits this
	// long between noting which leads exist and writing its records, and
	// does not match leads other calls created in that time. Zero, the
	// default, applies each call atomically.
	UpsertRace time.Duration

	// CustomFields are added to the standard lead fields.
	CustomFields []FieldDef

	// Partitions are lead partitions besides Default (id 1, in workspace
	// Default), numbered 2, 3, … in this order. They are read once, by
	// NewServer or NewHandler: a Configure does not add or remove any. A
	// name used twice, "Default" or more than 254 partitions are ignored.
	Partitions []Partition
	// DeniedPartitions names partitions the API user's role has no access
	// to ("Default" among them makes partitionName required: 1009). Leads
	// in them are invisible to lookups, lists and programs, and a call
	// that would write to one is skipped with 1008.
	DeniedPartitions []string
	// DedupeWithinPartition stands for an instance whose dedupe rules
	// include the partition (leads.md: "To use partitionName as additional
	// deduplication criteria, include it in the source type for custom
	// dedupe rules"): createOnly and createOrUpdate then match only leads
	// of the target partition, so one email can have a lead in each
	// partition. Off, a match in another partition is skipped with 1010.
	DedupeWithinPartition bool

	// Injected trouble; see Faults.
	Latency          time.Duration
	LatencyJitter    time.Duration
	FaultRate5xx     float64
	ApplyThen5xxRate float64
	DropRate         float64
	MalformedRate    float64
	SlowBodyRate     float64
	TimeoutRate      float64
	// SlowBodyDuration is how long a slow body takes to trickle out.
	SlowBodyDuration time.Duration

	// Seed makes the injected trouble and token values reproducible.
	Seed int64
	// Clock is the sandbox's notion of now; nil means time.Now.
	Clock func() time.Time
}

// DefaultConfig returns Marketo's documented limits and the sandbox's demo
// credentials, with no injected trouble.
func DefaultConfig() Config {
	return Config{
		UserID:           DefaultUserID,
		EncryptionKey:    DefaultEncryptionKey,
		ClientID:         DefaultClientID,
		ClientSecret:     DefaultClientSecret,
		TimestampWindow:  15 * time.Minute,
		TokenTTL:         3600 * time.Second,
		RateLimit:        100,
		RateWindow:       20 * time.Second,
		MaxConcurrent:    10,
		DailyQuota:       50000,
		MaxBatch:         300,
		BulkImportDelay:  2 * time.Second,
		BulkRowTime:      500 * time.Microsecond,
		SlowBodyDuration: time.Second,
		Seed:             1,
	}
}

// Faults is the injected trouble, changeable while the server runs with
// [Server.SetFaults]. Rates are probabilities per call in [0, 1].
type Faults struct {
	// Latency (plus up to LatencyJitter more) is spent before a call is
	// processed, while it counts as in flight.
	Latency       time.Duration
	LatencyJitter time.Duration
	// FaultRate5xx answers with a gateway error (502, 503 or 504, HTML
	// body) without processing the call.
	FaultRate5xx float64
	// ApplyThen5xxRate processes the call, then answers with a gateway
	// error (502, 503 or 504, HTML body), as a gateway does when the
	// backend applied the call but its answer broke or came too late.
	ApplyThen5xxRate float64
	// DropRate processes the call, then closes the connection without an
	// answer: the client cannot know the leads were written.
	DropRate float64
	// MalformedRate processes the call, then sends a truncated body.
	MalformedRate float64
	// SlowBodyRate processes the call, then trickles the body out over
	// SlowBodyDuration.
	SlowBodyRate     float64
	SlowBodyDuration time.Duration
	// TimeoutRate answers REST calls with Marketo's 604 "Request time-out"
	// without processing them (a 6xx call "was not executed"). SOAP has
	// no such fault and ignores it.
	TimeoutRate float64
}

func (c *Config) setFaults(f Faults) {
	c.Latency = f.Latency
	c.LatencyJitter = f.LatencyJitter
	c.FaultRate5xx = f.FaultRate5xx
	c.ApplyThen5xxRate = f.ApplyThen5xxRate
	c.TimeoutRate = f.TimeoutRate
	c.DropRate = f.DropRate
	c.MalformedRate = f.MalformedRate
	c.SlowBodyRate = f.SlowBodyRate
	c.SlowBodyDuration = f.SlowBodyDuration
}

// StandardFields returns the standard lead fields the sandbox knows, in the
// order describe lists them. Names, types and lengths follow Marketo's
// describe and schema answers in the REST docs and a live instance's
// describe recorded in grouparoo's Marketo test fixtures: that is where
// unsubscribedReason is a string of 2,000, leadScore an integer (not a
// score) and acquisitionProgramId and contactCompany references, the
// latter read-only. SOAP names of the references are guesses (PascalCase,
// as for the other fields). leadPartitionId is leads.md's "Partitions
// through the leadPartitionId field on the lead record", a read-only
// integer (its SOAP name a guess too). No standard field is a percent,
// score or formula, nor CRM-managed in an instance without a CRM; declare
// those in Config.CustomFields.
func StandardFields() []FieldDef {
	s := func(soap, rest, display, typ string, length int) FieldDef {
		return FieldDef{SOAPName: soap, RESTName: rest, DisplayName: display, DataType: typ, Length: length}
	}
	fields := []FieldDef{
		{SOAPName: "Id", RESTName: "id", DisplayName: "Id", DataType: TypeInteger, ReadOnly: true, Searchable: true},
		s("Salutation", "salutation", "Salutation", TypeString, 255),
		s("FirstName", "firstName", "First Name", TypeString, 255),
		s("MiddleName", "middleName", "Middle Name", TypeString, 255),
		s("LastName", "lastName", "Last Name", TypeString, 255),
		{SOAPName: "Email", RESTName: "email", DisplayName: "Email Address", DataType: TypeEmail, Length: 255, Searchable: true},
		s("Phone", "phone", "Phone Number", TypePhone, 255),
		s("MobilePhone", "mobilePhone", "Mobile Phone Number", TypePhone, 255),
		s("Fax", "fax", "Fax Number", TypePhone, 255),
		s("Title", "title", "Job Title", TypeString, 255),
		s("Company", "company", "Company Name", TypeString, 255),
		s("Website", "website", "Website", TypeURL, 255),
		s("Address", "address", "Address", TypeText, 30000),
		s("City", "city", "City", TypeString, 255),
		s("State", "state", "State", TypeString, 255),
		s("PostalCode", "postalCode", "Postal Code", TypeString, 255),
		s("Country", "country", "Country", TypeString, 255),
		s("Industry", "industry", "Industry", TypeString, 255),
		s("LeadSource", "leadSource", "Lead Source", TypeString, 255),
		s("LeadStatus", "leadStatus", "Lead Status", TypeString, 255),
		s("NumberOfEmployees", "numberOfEmployees", "Num Employees", TypeInteger, 0),
		s("AnnualRevenue", "annualRevenue", "Annual Revenue", TypeCurrency, 0),
		s("DateOfBirth", "dateOfBirth", "Date of Birth", TypeDate, 0),
		s("Unsubscribed", "unsubscribed", "Unsubscribed", TypeBoolean, 0),
		s("UnsubscribedReason", "unsubscribedReason", "Unsubscribed Reason", TypeString, 2000),
		s("DoNotCall", "doNotCall", "Do Not Call", TypeBoolean, 0),
		s("LeadScore", "leadScore", "Lead Score", TypeInteger, 0),
		s("AcquisitionProgramId", "acquisitionProgramId", "Acquisition Program", TypeReference, 0),
		{SOAPName: "ContactCompany", RESTName: "contactCompany", DisplayName: "Contact Company", DataType: TypeReference, ReadOnly: true},
		// Read-only: a lead changes partition through Update Lead
		// Partition, which the sandbox does not emulate.
		{SOAPName: "LeadPartitionId", RESTName: "leadPartitionId", DisplayName: "Lead Partition Id", DataType: TypeInteger, ReadOnly: true},
		{SOAPName: "CreatedAt", RESTName: "createdAt", DisplayName: "Created At", DataType: TypeDateTime, ReadOnly: true},
		{SOAPName: "UpdatedAt", RESTName: "updatedAt", DisplayName: "Updated At", DataType: TypeDateTime, ReadOnly: true},
	}
	return fields
}

package sim

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/mhero-go/mhero/internal/excellent"
)

// Contact is the simulated contact, as given and as the flow changes it.
type Contact struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
	// URN is the contact's preferred URN, e.g. "tel:+231770000001".
	URN string `json:"urn,omitempty"`
	// Language is an ISO 639-3 code; it picks translations when allowed
	// (see Environment.AllowedLanguages).
	Language string `json:"language,omitempty"`
	// Timezone is an IANA zone name overriding the environment's.
	Timezone string `json:"timezone,omitempty"`
	// Status is "active" unless a flow changes it.
	Status string `json:"status"`
	// Fields are field values by key, as text.
	Fields map[string]string `json:"fields"`
	Groups []Group           `json:"groups"`
}

// Group is a contact group.
type Group struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

func (c Contact) clone() Contact {
	c.Fields = maps.Clone(c.Fields)
	if c.Fields == nil {
		c.Fields = map[string]string{}
	}
	c.Groups = slices.Clone(c.Groups)
	if c.Groups == nil {
		c.Groups = []Group{}
	}
	return c
}

// Environment holds the workspace settings that change how flows behave.
type Environment struct {
	// Timezone is used for dates; UTC when nil.
	Timezone *time.Location
	// DateFormat orders the parts of dates read from replies:
	// "YYYY-MM-DD" (goflow's default), "DD-MM-YYYY" or "MM-DD-YYYY".
	DateFormat string
	// TimeFormat is the default layout of format_datetime, "tt:mm" by default.
	TimeFormat string
	// DefaultCountry is the ISO 3166 code has_phone reads local numbers in.
	DefaultCountry string
	// AllowedLanguages are the workspace's languages, the first being the
	// default. A contact's language picks translations only when allowed.
	// When nil, the flow's language and every language it is translated
	// to are allowed, in that order (goflow's engine must be given the
	// same list to agree).
	AllowedLanguages []string
}

type options struct {
	contact Contact
	clock   func() time.Time
	params  map[string]any
	env     Environment
	flow    string
	random  func() float64
	webhook func(WebhookRequest) WebhookResponse
	trigger *messageTrigger
}

// messageTrigger is an incoming message that starts the session.
type messageTrigger struct{ text, keyword string }

func defaultOptions() options {
	return options{
		contact: Contact{UUID: "a3e5c1f0-8d7b-4c2e-9f61-2b8d4e7a9c10", Status: "active"},
		clock:   time.Now,
		env:     Environment{Timezone: time.UTC, DateFormat: "YYYY-MM-DD", TimeFormat: "tt:mm"},
	}
}

// Option configures a simulator.
type Option func(*options) error

// WithContact sets the contact the flow runs for. An empty UUID or status
// keeps the default ones.
func WithContact(c Contact) Option {
	return func(o *options) error {
		if c.UUID == "" {
			c.UUID = o.contact.UUID
		}
		if c.Status == "" {
			c.Status = "active"
		}
		if c.Timezone != "" {
			if _, err := time.LoadLocation(c.Timezone); err != nil {
				return fmt.Errorf("contact timezone: %w", err)
			}
		}
		o.contact = c.clone()
		return nil
	}
}

// WithClock sets the source of the current time (time.Now by default);
// tests pass a fixed clock for repeatable results.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("nil clock")
		}
		o.clock = now
		return nil
	}
}

// WithParams sets the trigger's parameters, seen as @trigger.params.
// Values are JSON-like: string, float64, bool, nil, []any, map[string]any.
func WithParams(params map[string]any) Option {
	return func(o *options) error {
		o.params = maps.Clone(params)
		return nil
	}
}

// WithEnvironment sets the workspace settings.
func WithEnvironment(env Environment) Option {
	return func(o *options) error {
		if env.Timezone == nil {
			env.Timezone = time.UTC
		}
		switch env.DateFormat {
		case "":
			env.DateFormat = "YYYY-MM-DD"
		case "YYYY-MM-DD", "DD-MM-YYYY", "MM-DD-YYYY":
		default:
			return fmt.Errorf("unknown date format %q", env.DateFormat)
		}
		if env.TimeFormat == "" {
			env.TimeFormat = "tt:mm"
		}
		if err := excellent.CheckTimeFormat(env.TimeFormat); err != nil {
			return fmt.Errorf("time format: %w", err)
		}
		env.AllowedLanguages = slices.Clone(env.AllowedLanguages)
		o.env = env
		return nil
	}
}

// WithFlow picks the export's flow to run, by UUID or name.
func WithFlow(uuidOrName string) Option {
	return func(o *options) error {
		o.flow = uuidOrName
		return nil
	}
}

// WithMessageTrigger starts the session as an incoming message does (a
// keyword trigger, say) instead of a manual start: the message is @input
// from the first node, a wait on the first node is skipped so the message
// itself answers it, and @trigger.keyword is keyword when not empty.
func WithMessageTrigger(text, keyword string) Option {
	return func(o *options) error {
		o.trigger = &messageTrigger{text: text, keyword: keyword}
		return nil
	}
}

// WithRandom sets the source of random numbers in [0, 1) used by random
// routers; by default a fixed-seed generator, so runs repeat.
func WithRandom(random func() float64) Option {
	return func(o *options) error {
		if random == nil {
			return errors.New("nil random source")
		}
		o.random = random
		return nil
	}
}

package rapidpro

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// WorkspaceService handles the workspace endpoint.
// https://app.rapidpro.io/api/v2/workspace
type WorkspaceService service

// Workspace describes the workspace the token belongs to.
type Workspace struct {
	UUID    string `json:"uuid"`
	Name    string `json:"name"`
	Country string `json:"country"`
	// Languages are ISO 639-3 codes; the first is the primary language.
	Languages []string `json:"languages"`
	Timezone  string   `json:"timezone"`
	// DateStyle is day_first, month_first or year_first.
	DateStyle string `json:"date_style"`
	// Anon is true when URNs are hidden from the API.
	Anon bool `json:"anon"`
	// PrimaryLanguage and Credits are deprecated.
	PrimaryLanguage string          `json:"primary_language,omitempty"`
	Credits         json.RawMessage `json:"credits,omitempty"`
}

// Get returns the workspace (and teaches the client its UUID, for pacing).
func (s *WorkspaceService) Get(ctx context.Context) (*Workspace, error) {
	var out Workspace
	if _, err := s.c.get(ctx, s.c.endpointURL("workspace.json", nil), &out); err != nil {
		return nil, err
	}
	if out.UUID != "" && s.c.WorkspaceUUID() == "" {
		s.c.workspace.Store(out.UUID)
	}
	return &out, nil
}

// UsersService handles the users endpoint.
// https://app.rapidpro.io/api/v2/users
type UsersService service

// User is a user of the workspace.
type User struct {
	UUID  string `json:"uuid,omitempty"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email"`
	// Role is administrator, editor or agent.
	Role      string `json:"role,omitempty"`
	Team      *Ref   `json:"team,omitempty"`
	CreatedOn Time   `json:"created_on,omitzero"`
	Avatar    string `json:"avatar,omitempty"`
	// FirstName and LastName are deprecated; use Name.
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

// UserListParams filters a user list.
type UserListParams struct {
	UUIDs  []string
	Emails []string
	// Roles are administrator, editor or agent.
	Roles  []string
	Cursor string
}

func (p *UserListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.strs("uuid", p.UUIDs)
	q.strs("email", p.Emails)
	q.strs("role", p.Roles)
	return url.Values(q), p.Cursor
}

// List iterates over the users matching p.
func (s *UsersService) List(ctx context.Context, p *UserListParams) iter.Seq2[User, error] {
	q, cursor := p.values()
	return list[User](ctx, s.c, "users.json", q, cursor)
}

// ListPage fetches one page of users.
func (s *UsersService) ListPage(ctx context.Context, p *UserListParams) (*Page[User], error) {
	q, cursor := p.values()
	return listPage[User](ctx, s.c, "users.json", q, cursor)
}

// ChannelsService handles the channels endpoint.
// https://app.rapidpro.io/api/v2/channels
type ChannelsService service

// Channel is a way of sending and receiving messages (a phone, a
// provider account).
type Channel struct {
	UUID    string `json:"uuid"`
	Name    string `json:"name"`
	Address string `json:"address"`
	// Type is a slug such as android, twilio, vonage or telegram.
	Type      string         `json:"type"`
	Country   string         `json:"country"`
	Device    *ChannelDevice `json:"device"`
	LastSeen  Time           `json:"last_seen"`
	CreatedOn Time           `json:"created_on"`
}

// ChannelDevice describes the phone of an Android channel.
type ChannelDevice struct {
	Name        string `json:"name"`
	PowerLevel  int    `json:"power_level"`
	PowerStatus string `json:"power_status"`
	PowerSource string `json:"power_source"`
	NetworkType string `json:"network_type"`
}

// ChannelListParams filters a channel list.
type ChannelListParams struct {
	UUID, Address string
	Cursor        string
}

func (p *ChannelListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.str("uuid", p.UUID)
	q.str("address", p.Address)
	return url.Values(q), p.Cursor
}

// List iterates over the channels matching p.
func (s *ChannelsService) List(ctx context.Context, p *ChannelListParams) iter.Seq2[Channel, error] {
	q, cursor := p.values()
	return list[Channel](ctx, s.c, "channels.json", q, cursor)
}

// ListPage fetches one page of channels.
func (s *ChannelsService) ListPage(ctx context.Context, p *ChannelListParams) (*Page[Channel], error) {
	q, cursor := p.values()
	return listPage[Channel](ctx, s.c, "channels.json", q, cursor)
}

// ChannelEventsService handles the channel_events endpoint (deprecated by
// RapidPro but still routed): calls and other channel events.
type ChannelEventsService service

// ChannelEvent is a call, missed call or other channel event.
type ChannelEvent struct {
	ID         int64          `json:"id"`
	Type       string         `json:"type"`
	Contact    Ref            `json:"contact"`
	Channel    Ref            `json:"channel"`
	Extra      map[string]any `json:"extra"`
	OccurredOn Time           `json:"occurred_on"`
	CreatedOn  Time           `json:"created_on"`
}

// ChannelEventListParams filters a channel event list.
type ChannelEventListParams struct {
	ID      int64
	Contact string // UUID
	// Before and After bound created_on (inclusive).
	Before, After time.Time
	Cursor        string
}

func (p *ChannelEventListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	if p.ID != 0 {
		url.Values(q).Set("id", fmt.Sprint(p.ID))
	}
	q.str("contact", p.Contact)
	q.time("before", p.Before)
	q.time("after", p.After)
	return url.Values(q), p.Cursor
}

// List iterates over the channel events matching p.
func (s *ChannelEventsService) List(ctx context.Context, p *ChannelEventListParams) iter.Seq2[ChannelEvent, error] {
	q, cursor := p.values()
	return list[ChannelEvent](ctx, s.c, "channel_events.json", q, cursor)
}

// ListPage fetches one page of channel events.
func (s *ChannelEventsService) ListPage(ctx context.Context, p *ChannelEventListParams) (*Page[ChannelEvent], error) {
	q, cursor := p.values()
	return listPage[ChannelEvent](ctx, s.c, "channel_events.json", q, cursor)
}

// ArchivesService handles the archives endpoint: gzipped JSON-lines files of
// messages and runs that have aged out of the live API.
// https://app.rapidpro.io/api/v2/archives
type ArchivesService service

// Archive is one archive file.
type Archive struct {
	// Type is message or run.
	Type string `json:"type"`
	// StartDate is the first day covered (a date, at midnight UTC).
	StartDate Time `json:"start_date"`
	// Period is daily or monthly.
	Period      string `json:"period"`
	RecordCount int    `json:"record_count"`
	// Size is the gzipped size in bytes.
	Size int64 `json:"size"`
	// Hash is the MD5 of the file.
	Hash string `json:"hash"`
	// DownloadURL is temporary.
	DownloadURL string `json:"download_url"`
}

// ArchiveListParams filters an archive list.
type ArchiveListParams struct {
	// Type is message or run.
	Type string
	// Period is daily or monthly.
	Period string
	// Before and After bound start_date (inclusive).
	Before, After time.Time
	Cursor        string
}

func (p *ArchiveListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.str("type", p.Type)
	q.str("period", p.Period)
	q.time("before", p.Before)
	q.time("after", p.After)
	return url.Values(q), p.Cursor
}

// List iterates over the archives matching p.
func (s *ArchivesService) List(ctx context.Context, p *ArchiveListParams) iter.Seq2[Archive, error] {
	q, cursor := p.values()
	return list[Archive](ctx, s.c, "archives.json", q, cursor)
}

// ListPage fetches one page of archives.
func (s *ArchivesService) ListPage(ctx context.Context, p *ArchiveListParams) (*Page[Archive], error) {
	q, cursor := p.values()
	return listPage[Archive](ctx, s.c, "archives.json", q, cursor)
}

// BoundariesService handles the boundaries endpoint (administrative areas,
// for state/district/ward fields).
type BoundariesService service

// Boundary is an administrative area.
type Boundary struct {
	OSMID   string       `json:"osm_id"`
	Name    string       `json:"name"`
	Parent  *BoundaryRef `json:"parent"`
	Level   int          `json:"level"`
	Aliases []string     `json:"aliases"`
	// Geometry is GeoJSON, kept raw.
	Geometry json.RawMessage `json:"geometry,omitempty"`
}

// BoundaryRef names a boundary.
type BoundaryRef struct {
	OSMID string `json:"osm_id"`
	Name  string `json:"name"`
}

// BoundaryListParams filters a boundary list.
type BoundaryListParams struct {
	// Geometry asks for the shapes as well.
	Geometry bool
	Cursor   string
}

func (p *BoundaryListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.flag("geometry", p.Geometry)
	return url.Values(q), p.Cursor
}

// List iterates over the boundaries.
func (s *BoundariesService) List(ctx context.Context, p *BoundaryListParams) iter.Seq2[Boundary, error] {
	q, cursor := p.values()
	return list[Boundary](ctx, s.c, "boundaries.json", q, cursor)
}

// ListPage fetches one page of boundaries.
func (s *BoundariesService) ListPage(ctx context.Context, p *BoundaryListParams) (*Page[Boundary], error) {
	q, cursor := p.values()
	return listPage[Boundary](ctx, s.c, "boundaries.json", q, cursor)
}

// ClassifiersService handles the classifiers endpoint of older servers
// (current RapidPro has no such route and answers 404).
type ClassifiersService service

// Classifier is an NLU classifier (older servers).
type Classifier struct {
	UUID      string   `json:"uuid"`
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	Intents   []string `json:"intents"`
	CreatedOn Time     `json:"created_on"`
}

// List iterates over the classifiers, resuming from cursor when not "".
func (s *ClassifiersService) List(ctx context.Context, cursor string) iter.Seq2[Classifier, error] {
	return list[Classifier](ctx, s.c, "classifiers.json", nil, cursor)
}

// MediaService handles the media endpoint (attachment uploads).
type MediaService service

// Media is an uploaded file, usable as an attachment by its UUID.
type Media struct {
	UUID        string `json:"uuid"`
	ContentType string `json:"content_type"`
	URL         string `json:"url"`
	Filename    string `json:"filename"`
	Size        int64  `json:"size"`
}

// Upload uploads a file (read into memory) as multipart form data. It is
// not retried once it may have reached the server.
func (s *MediaService) Upload(ctx context.Context, filename, contentType string, r io.Reader) (*Media, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, strings.ReplaceAll(filename, `"`, "")))
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	h.Set("Content-Type", contentType)
	part, err := mw.CreatePart(h)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(part, r); err != nil {
		return nil, fmt.Errorf("rapidpro: reading media %q: %w", filename, err)
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	req := s.c.newRequest(http.MethodPost, s.c.endpointURL("media.json", nil), body.Bytes(), mw.FormDataContentType())
	resp, err := s.c.send(ctx, req)
	if err != nil {
		return nil, err
	}
	var out Media
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return nil, &RequestError{Method: http.MethodPost, Endpoint: "media.json", Status: http.StatusCreated, Err: fmt.Errorf("decoding response: %w", err)}
	}
	return &out, nil
}

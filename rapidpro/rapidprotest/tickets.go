package rapidprotest

import (
	"crypto/md5"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
)

var ticketActionNames = []string{"assign", "add_note", "change_topic", "close", "reopen"}

func (s *Server) ticketActions(r *http.Request) reply {
	body, bad := readObject(r)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	errs := fieldErrors{}
	var ids []string
	if raw, present := body["tickets"]; !present {
		errs.add("tickets", msgRequired)
	} else if list, msg := stringList(raw); msg != "" {
		errs.add("tickets", msg)
	} else {
		ids = list
	}
	var action string
	if raw, present := body["action"]; !present {
		errs.add("action", msgRequired)
	} else if json.Unmarshal(raw, &action) != nil || !slices.Contains(ticketActionNames, action) {
		errs.add("action", fmt.Sprintf("\"%s\" is not a valid choice.", strings.Trim(string(raw), `"`)))
	}
	var assignee *user
	if raw, present := body["assignee"]; present && string(raw) != "null" {
		var email string
		_ = json.Unmarshal(raw, &email)
		i := slices.IndexFunc(st.users.items, func(u *user) bool { return strings.EqualFold(u.email, email) })
		if i < 0 {
			errs.add("assignee", noSuchObject(email))
		} else {
			assignee = st.users.items[i]
		}
	}
	var tp *topic
	if raw, present := body["topic"]; present && string(raw) != "null" {
		var v string
		_ = json.Unmarshal(raw, &v)
		var ok bool
		if tp, ok = st.topics.find(func(t *topic) bool { return t.uuid == v }); !ok {
			errs.add("topic", noSuchObject(v))
		}
	}
	if len(errs) == 0 && action == "change_topic" && tp == nil {
		errs.add("topic", "Topic is required for change_topic action")
	}
	if bad := errs.reply(); bad != nil {
		return *bad
	}
	var failures []string
	for _, id := range ids {
		i := slices.IndexFunc(st.tickets.items, func(t *ticket) bool { return t.uuid == id })
		if i < 0 {
			failures = append(failures, id)
			continue
		}
		t := st.tickets.items[i]
		changed := true
		st.tickets.update(t, func() {
			now := st.now()
			switch action {
			case "assign":
				changed = t.assignee != assignee
				t.assignee = assignee
			case "change_topic":
				changed = t.topic != tp
				t.topic = tp
			case "close":
				changed = t.status != "closed"
				t.status, t.closed = "closed", now
			case "reopen":
				changed = t.status != "open"
				t.status, t.closed = "open", time.Time{}
			}
			if changed {
				t.modified = now
			}
		})
		if !changed {
			failures = append(failures, id)
		}
	}
	if len(failures) > 0 {
		return okReply(map[string][]string{"failures": failures})
	}
	return noContentReply()
}

// maxMediaSize is RapidPro's Media.MAX_UPLOAD_SIZE (25 MB).
const maxMediaSize = 25 << 20

type mediaJSON struct {
	UUID        string `json:"uuid"`
	ContentType string `json:"content_type"`
	URL         string `json:"url"`
	Filename    string `json:"filename"`
	Size        int64  `json:"size"`
}

// uploadMedia accepts a multipart upload with a "file" part.
func (s *Server) uploadMedia(r *http.Request) reply {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return reply{http.StatusBadRequest, map[string][]string{"file": {"No file was submitted."}}}
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return reply{http.StatusBadRequest, map[string][]string{"file": {"No file was submitted."}}}
	}
	defer f.Close()
	h := md5.New()
	n, err := io.Copy(h, io.LimitReader(f, maxMediaSize+1))
	if err != nil {
		return reply{http.StatusBadRequest, map[string][]string{"file": {"The submitted data was not a file."}}}
	}
	if n > maxMediaSize {
		return reply{http.StatusBadRequest, map[string][]string{"file": {"Limit for file uploads is 25 MB."}}}
	}
	ct := hdr.Header.Get("Content-Type")
	if ct == "" || ct == "application/octet-stream" {
		ct = mime.TypeByExtension(path.Ext(hdr.Filename))
	}
	major, _, _ := strings.Cut(ct, "/")
	if !slices.Contains([]string{"image", "audio", "video", "application"}, major) {
		return reply{http.StatusBadRequest, map[string][]string{"file": {"Unsupported file type."}}}
	}
	s.mu.Lock()
	id := s.st.gen.uuid()
	s.mu.Unlock()
	return createdReply(mediaJSON{UUID: id, ContentType: ct, URL: "https://media.rapidpro.example/" + id + "/" + path.Base(hdr.Filename),
		Filename: path.Base(hdr.Filename), Size: n})
}

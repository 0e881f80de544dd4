package sandbox

import (
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
)

// Director is a simulated Director, who answers the approval requests
// sent to their phone. To a message asking "Reply APPROVE 482113 or REJECT
// 482113 …" they reply, after Delay, "APPROVE 482113", or "REJECT 482113"
// and the reason when Reject is set. Other messages to them get no reply.
type Director struct {
	// URN is the Director's phone, as a tel URN in E.164
	// ("tel:+231886000001").
	URN string
	// Delay is how long they take to answer (default 10 minutes of
	// simulated time).
	Delay time.Duration
	// Reject, when not empty, makes the Director reject, giving it as the
	// reason.
	Reject string
}

// approvalAsk finds the code an approval request asks to be sent back.
var approvalAsk = regexp.MustCompile(`(?i)\bAPPROVE\s+([0-9A-Za-z]+)\b`)

// directors holds the simulated Directors of a sandbox, by URN.
type directors struct {
	mu     sync.Mutex
	byURN  map[string]Director
	engine *Engine
}

// hook is the server's message hook: it lets a Director answer.
func (d *directors) hook(m rapidprotest.Message) {
	if m.Direction != "out" {
		return
	}
	d.mu.Lock()
	dir, ok := d.byURN[m.URN]
	d.mu.Unlock()
	if !ok {
		return
	}
	mm := approvalAsk.FindStringSubmatch(m.Text)
	if mm == nil {
		return
	}
	text := "APPROVE " + mm[1]
	if dir.Reject != "" {
		text = "REJECT " + mm[1] + " " + strings.TrimSpace(dir.Reject)
	}
	delay := dir.Delay
	if delay <= 0 {
		delay = 10 * time.Minute
	}
	d.engine.queue(reply{URN: m.URN, Text: text, At: m.CreatedOn.Add(delay)})
}

// AddDirector makes the contact with this URN a simulated Director who
// answers approval requests (see [Director]); adding one again replaces
// it. Settle delivers the answers, in time order with the health workers'.
func (s *Sandbox) AddDirector(d Director) {
	s.directors.mu.Lock()
	s.directors.byURN[d.URN] = d
	s.directors.mu.Unlock()
	// A Director's phone is always reachable and never answers a flow
	// unless asked to: they answer surveys as a responsive worker would.
	s.Engine.SetPersona(d.URN, Persona{Kind: Responsive})
}

package sim

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mhero-go/mhero/internal/excellent"
	"github.com/mhero-go/mhero/workflow/flow"
)

// WebhookRequest is a call_webhook request of the flow, with its templates
// evaluated.
type WebhookRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	// Body is the evaluated body, or its template when it uses features
	// the simulator lacks.
	Body string `json:"body,omitempty"`
}

// WebhookResponse is what the simulated service answers. A zero Status
// means the connection failed.
type WebhookResponse struct {
	Status int    `json:"status"`
	Body   string `json:"body,omitempty"`
}

// WithWebhook answers the flow's call_webhook actions offline. Without it,
// a webhook stops the simulation with an *UnsupportedError. As in goflow, a
// 2xx answer gives the result category "Success" and anything else
// "Failure"; the result value is the status code, and a JSON body is
// available as @webhook and @results.name.extra.
func WithWebhook(answer func(WebhookRequest) WebhookResponse) Option {
	return func(o *options) error {
		if answer == nil {
			return fmt.Errorf("nil webhook handler")
		}
		o.webhook = answer
		return nil
	}
}

// maxWebhookURLRunes is the longest URL goflow calls.
const maxWebhookURLRunes = 2048

// webhookURLProblem returns goflow's error text for a URL it won't call,
// or "". goflow only rejects a URL that is too long or doesn't parse; one
// without an http(s) scheme or a host parses (like "{{API_URL}}/status",
// an unfilled placeholder) and then fails as Go's HTTP client refuses it,
// before any request is sent.
func webhookURLProblem(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || utf8.RuneCountInString(rawURL) > maxWebhookURLRunes {
		return fmt.Sprintf("webhook URL evaluated to an invalid URL: '%s'", rawURL)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Sprintf("unsupported protocol scheme %q", u.Scheme)
	}
	if u.Host == "" {
		return "http: no Host in request URL"
	}
	return ""
}

// webhookUnsupported is how a webhook at node n stops a simulation
// without WithWebhook.
func webhookUnsupported(f *flow.Flow, n *flow.Node) *UnsupportedError {
	return &UnsupportedError{FlowName: f.Name, NodeUUID: n.UUID, Label: nodeLabel(f, n),
		Feature: `the action "call_webhook"`, Reason: "webhooks are not called offline", Option: "WithWebhook"}
}

func (s *Sim) callWebhook(r *run, n *flow.Node, a *flow.CallWebhook) error {
	if s.opts.webhook == nil {
		return webhookUnsupported(r.flow, n)
	}
	rawURL, _, err := s.template(r, n, a.URL)
	if err != nil {
		return err
	}
	rawURL = strings.TrimSpace(rawURL)
	if rawURL == "" {
		s.logError(n, "webhook URL evaluated to empty string")
		return nil
	}
	if problem := webhookURLProblem(rawURL); problem != "" {
		s.logError(n, problem)
		return nil
	}
	req := WebhookRequest{Method: strings.ToUpper(a.Method), URL: rawURL}
	if a.Body != "" {
		// The body only reaches the handler, so a body using features the
		// simulator lacks (RapidPro's default body uses json() and foreach)
		// is passed as its template rather than stopping the run.
		e := s.newEnv(r, n)
		var errText string
		req.Body, errText = e.EvaluateTemplate(a.Body)
		switch {
		case e.Unsupported() != "":
			req.Body = a.Body
			s.logError(n, "webhook body not evaluated: "+e.Unsupported()+" is not supported by the simulator")
		case errText != "":
			s.logError(n, errText)
		}
	}
	for name, tpl := range a.Headers {
		v, _, err := s.template(r, n, tpl)
		if err != nil {
			return err
		}
		if req.Headers == nil {
			req.Headers = map[string]string{}
		}
		req.Headers[name] = v
	}
	resp := s.opts.webhook(req)
	parsed := excellent.ParseJSON(resp.Body)
	if _, isObj := parsed.(*excellent.Object); !isObj {
		if _, isArr := parsed.(excellent.Array); !isArr {
			parsed = excellent.NewObject(map[string]excellent.Value{})
		}
	}
	r.webhook = parsed
	s.event("webhook_called", n, fmt.Sprintf("%s %s: %d", req.Method, req.URL, resp.Status))
	if a.ResultName != "" {
		category := "Failure"
		if resp.Status/100 == 2 {
			category = "Success"
		}
		var extra excellent.Value
		if resp.Status != 0 && len(resp.Body) < 10000 && json.Valid([]byte(resp.Body)) {
			extra = excellent.ParseJSON(resp.Body)
		}
		s.saveResult(r, n, a.ResultName, strconv.Itoa(resp.Status), category, "", req.Method+" "+req.URL)
		if r.extras == nil {
			r.extras = map[string]excellent.Value{}
		}
		r.extras[flow.Snakify(a.ResultName)] = extra
	}
	return nil
}

package ihris

// Warning is a problem met while reading the registry that did not stop a
// health worker from being read: a malformed element, a role pointing at an
// unknown facility, a job missing from the terminology.
type Warning struct {
	// Resource names the resource concerned, "Type/id".
	Resource string `json:"resource"`
	// Path is the element concerned, when known.
	Path string `json:"path,omitempty"`
	// Message says what is wrong and what was done about it.
	Message string `json:"message"`
}

// String formats the warning as "Resource path: message".
func (w Warning) String() string {
	s := w.Resource
	if w.Path != "" {
		s += " " + w.Path
	}
	return s + ": " + w.Message
}

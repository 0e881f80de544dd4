package store

import (
	"database/sql"
	"fmt"
	"time"
)

// ScanTime returns a destination for Scan that reads a time computed by an
// expression, such as MAX(sent_on), into *t (in UTC; the zero time for
// NULL). A TIMESTAMPTZ column scans into a time.Time directly on both
// dialects, but SQLite gives an expression over one as the number of
// microseconds it stores.
func ScanTime(t *time.Time) sql.Scanner { return timeScanner{t} }

type timeScanner struct{ t *time.Time }

func (s timeScanner) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.t = time.Time{}
	case time.Time:
		*s.t = v.UTC()
	case int64:
		*s.t = time.UnixMicro(v).UTC()
	case float64:
		*s.t = time.UnixMicro(int64(v)).UTC()
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	default:
		return fmt.Errorf("store: cannot scan %T into a time", src)
	}
	return nil
}

func (s timeScanner) parse(v string) error {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, v); err == nil {
			*s.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("store: cannot read %q as a time", v)
}

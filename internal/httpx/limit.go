package httpx

import (
	"errors"
	"fmt"
	"io"
)

// ErrResponseTooLarge is returned by a body read that went past the
// client's cap on response sizes.
var ErrResponseTooLarge = errors.New("the response body exceeds the size limit")

// limitedBody is a response body that fails, instead of silently truncating,
// once more than max bytes have been read.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
	max  int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One more byte tells a body of exactly max bytes from a larger one.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%w (%d bytes)", ErrResponseTooLarge, b.max)
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// limitBody wraps rc so that reading more than max bytes fails with
// [ErrResponseTooLarge]. A max of zero or less leaves rc unchanged.
func limitBody(rc io.ReadCloser, max int64) io.ReadCloser {
	if max <= 0 || rc == nil {
		return rc
	}
	return &limitedBody{rc: rc, left: max, max: max}
}

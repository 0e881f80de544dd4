package httpx

import (
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestPauseHoldsRequestsAlreadyWaitingForTheirTurn(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := NewPacer(3600, 1) // one a second
		start := time.Now()
		if err := p.Wait(t.Context()); err != nil { // takes the burst
			t.Fatal(err)
		}
		var mu sync.Mutex
		var sent []time.Duration
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if err := p.Wait(t.Context()); err != nil {
					t.Error(err)
				}
				mu.Lock()
				sent = append(sent, time.Since(start))
				mu.Unlock()
			})
		}
		synctest.Wait() // both wait in the limiter, for 1s and 2s
		p.PauseUntil(start.Add(3 * time.Second))
		wg.Wait()
		slices.Sort(sent)
		// Held back by the pause, then paced again rather than sent together.
		if want := []time.Duration{3 * time.Second, 4 * time.Second}; !slices.Equal(sent, want) {
			t.Errorf("sent at %v, want %v", sent, want)
		}
	})
}

func TestPacerSpacesRequests(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := NewPacer(3600*20, 1) // 20 a second, no burst
		start := time.Now()
		for range 5 {
			if err := p.Wait(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		if d := time.Since(start); d != 200*time.Millisecond {
			t.Fatalf("5 requests in %v, want 4 intervals of 50ms", d)
		}
	})
}

func TestLongerPauseWins(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := NewPacer(0, 0)
		start := time.Now()
		p.PauseUntil(start.Add(2 * time.Second))
		p.PauseUntil(start.Add(time.Second))
		go func() {
			time.Sleep(time.Second)
			p.PauseUntil(start.Add(5 * time.Second)) // while the request waits
		}()
		if err := p.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("sent after %v, want 5s", d)
		}
	})
}

//go:build !linux

package analytics

import (
	"context"
	"time"

	"github.com/mhero-go/mhero/store"
)

func cpuTime() time.Duration { return 0 }

func postmaster(context.Context, *store.DB) int { return 0 }

func serverCPU(int) time.Duration { return 0 }

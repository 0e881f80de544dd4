package usecase

import (
	"errors"
	"fmt"
)

// ErrApprover is matched (errors.Is) by the error of [CheckApprover]: the
// person asked to approve may not approve this use case.
var ErrApprover = errors.New("usecase: not an allowed approver")

// CheckApprover applies the SOP's rule on who approves a use case: never
// the Data Manager who built it; the Director of the requesting unit; and,
// when the Requestor is that Director, someone else (their supervisor),
// since nobody approves their own request. dataManager may be zero while
// no Data Manager has taken the case.
func CheckApprover(requestor, director, approver, dataManager Person) error {
	refuse := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrApprover, fmt.Sprintf(format, args...))
	}
	switch {
	case approver.IsZero():
		return refuse("no approver is named")
	case !dataManager.IsZero() && approver.Same(dataManager):
		return refuse("%s is the Data Manager of the use case, who may never approve it", approver.Name)
	case requestor.Same(director):
		if approver.Same(requestor) {
			return refuse("%s is both the Requestor and the unit's Director: name another approver (their supervisor), as nobody approves their own request", approver.Name)
		}
		return nil
	case !approver.Same(director):
		return refuse("%s is not the Director of the requesting unit (%s), who must approve unless they made the request", approver.Name, director.Name)
	}
	return nil
}

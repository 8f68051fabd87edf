package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// errDifferences makes verify exit 1 after it printed what differs.
var errDifferences = errors.New("derived values differ from their recomputation")

// cmdVerify recomputes everything derived from the stored facts and prints
// every difference; it changes nothing.
func cmdVerify(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	o, err := openOffline(ctx, "verify", args, stderr, getenv)
	if err != nil {
		return err
	}
	defer o.pool.Close()
	rep, err := o.svc.Verify(ctx)
	if err != nil {
		return err
	}
	for _, d := range rep.Differences {
		fmt.Fprintln(stdout, d)
	}
	fmt.Fprintf(stdout, "verified %d people, %d derived values: %d differ\n", rep.People, rep.Checked, len(rep.Differences))
	if len(rep.Differences) > 0 {
		return errDifferences
	}
	return nil
}

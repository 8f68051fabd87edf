package main

import (
	"context"
	"fmt"
	"io"
)

// cmdDemo removes the demo household `serve --demo` seeded, and nothing else.
func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "remove" {
		return usagef("usage: lifeops demo remove [flags]")
	}
	o, err := openOffline(ctx, "demo remove", args[1:], stderr, getenv)
	if err != nil {
		return err
	}
	defer o.pool.Close()
	n, err := o.svc.RemoveDemo(ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "removed the demo household (%d people and everything recorded about them)\n", n)
	return err
}

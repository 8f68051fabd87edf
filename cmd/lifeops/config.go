package main

import (
	"fmt"
	"io"
	"text/tabwriter"
)

func cmdConfig(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "check" {
		return usagef("usage: lifeops config check [flags]")
	}
	cfg, _, err := loadConfig("config check", args[1:], stderr, getenv)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tENV\tVALUE")
	for _, s := range cfg.Redacted() {
		v := s.Value
		if s.Key == "mqtt_client_id" && v == "" {
			v = mqttClientID(cfg) + "  (base topic and host name)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Key, s.Env, v)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "configuration is valid")
	return nil
}

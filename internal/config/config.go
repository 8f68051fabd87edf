// Package config owns LifeOps' one typed configuration: its defaults, the
// layers it is read from (defaults < add-on options file < LIFEOPS_* env <
// flags), its validation, and the redacted form that may be printed or logged.
package config

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/locale"
	"github.com/lifeops/lifeops/internal/redact"
)

const defaultMQTTURL = "tcp://127.0.0.1:1883"

// DefaultSupervisorURL is where the Supervisor answers inside an add-on.
const DefaultSupervisorURL = "http://supervisor"

// DefaultOptionsPath is where the Supervisor writes an add-on's options.
const DefaultOptionsPath = "/data/options.json"

// Config is everything LifeOps can be told. Field names mirror the env names
// without their LIFEOPS_ prefix.
type Config struct {
	DatabaseURL       string
	HTTPAddr          string
	CalDAVAddr        string // empty or "off": no CalDAV server
	CalDAVTodayDelete string // skip or refuse: what deleting a Today item over CalDAV does
	MQTTURL           string
	MQTTUsername      string
	MQTTPassword      string
	// MQTTClientID names LifeOps' persistent MQTT session; empty: derived
	// from the base topic and the host name (see cmd/lifeops).
	MQTTClientID          string
	DiscoveryPrefix       string
	BaseTopic             string
	HAURL                 string
	HAToken               string
	Z2MBaseTopic          string
	Timezone              string // empty: Home Assistant's time zone, else the system's
	Language              string // empty: Home Assistant's language, else English
	PanelURL              string // empty: the add-on's ingress panel in the add-on, else no link
	LogLevel              string
	LogFormat             string // json or console; empty: console on a terminal, else json
	OuraClientID          string
	OuraClientSecret      string
	OuraAPIURL            string
	OuraRedirectURL       string
	OuraWebhookToken      string
	DataDir               string
	ExposeToAssist        bool
	ReadingsRetentionDays int
	SensorAllowList       string // comma separated sensor keys, Zigbee2MQTT friendly names or ESPHome nodes
	TLSCertFile           string
	TLSKeyFile            string
	// APIRate and APIBurst limit each REST caller (token or HA user):
	// requests per second, and how many may come at once.
	APIRate  float64
	APIBurst int
	// SupervisorToken is set by the Supervisor inside an add-on; it is not a
	// setting of ours but changes defaults, so it lives here.
	SupervisorToken string
	// SupervisorURL is where the Supervisor answers: DefaultSupervisorURL,
	// or SUPERVISOR_URL, which only tests set (a fake Supervisor). The
	// add-on's default ha_url is its Core WebSocket proxy.
	SupervisorURL string
	// MQTTFromSupervisor is true in the add-on when no layer named a broker:
	// the broker and its credentials then come from the Supervisor's
	// services API.
	MQTTFromSupervisor bool
}

// field describes one setting: its names in each layer, its default, and how
// to parse it into the Config.
type field struct {
	key    string // add-on option name; env is LIFEOPS_ + upper(key); flag is key with - for _
	usage  string
	def    string
	secret bool
	set    func(c *Config, v string) error
	get    func(c *Config) string
}

func str(p func(*Config) *string) (func(*Config, string) error, func(*Config) string) {
	return func(c *Config, v string) error { *p(c) = v; return nil },
		func(c *Config) string { return *p(c) }
}

func fields() []field {
	f := func(key, def, usage string, secret bool, p func(*Config) *string) field {
		set, get := str(p)
		return field{key: key, def: def, usage: usage, secret: secret, set: set, get: get}
	}
	return []field{
		f("database_url", "postgres://postgres@127.0.0.1:5432/lifeops?sslmode=disable", "PostgreSQL URL; the database is created if missing", true, func(c *Config) *string { return &c.DatabaseURL }),
		f("http_addr", ":8000", "address of the REST API", false, func(c *Config) *string { return &c.HTTPAddr }),
		f("caldav_today_delete", "skip", "what deleting an item of a person's CalDAV Today list does: skip (skips a routine item today) or refuse", false, func(c *Config) *string { return &c.CalDAVTodayDelete }),
		f("caldav_addr", ":5232", "address of the CalDAV server (to-do lists and calendars for Home Assistant); empty or off disables it", false, func(c *Config) *string { return &c.CalDAVAddr }),
		f("mqtt_url", defaultMQTTURL, "MQTT broker URL; empty disables MQTT", false, func(c *Config) *string { return &c.MQTTURL }),
		f("mqtt_username", "", "MQTT user name", false, func(c *Config) *string { return &c.MQTTUsername }),
		f("mqtt_password", "", "MQTT password", true, func(c *Config) *string { return &c.MQTTPassword }),
		f("mqtt_client_id", "", "MQTT client id of this replica, stable across its restarts and distinct from every other replica's; empty: lifeops-<base_topic>-<host name>", false, func(c *Config) *string { return &c.MQTTClientID }),
		f("discovery_prefix", "homeassistant", "Home Assistant MQTT discovery prefix", false, func(c *Config) *string { return &c.DiscoveryPrefix }),
		f("base_topic", "lifeops", "root of LifeOps' own MQTT topics", false, func(c *Config) *string { return &c.BaseTopic }),
		f("ha_url", "", "Home Assistant WebSocket URL; empty disables the bridge", false, func(c *Config) *string { return &c.HAURL }),
		f("ha_token", "", "Home Assistant long-lived access token", true, func(c *Config) *string { return &c.HAToken }),
		f("z2m_base_topic", "zigbee2mqtt", "Zigbee2MQTT base topic", false, func(c *Config) *string { return &c.Z2MBaseTopic }),
		f("timezone", "", "household time zone (IANA name); empty: Home Assistant's, else the system's", false, func(c *Config) *string { return &c.Timezone }),
		f("language", "", "language of entity names and notifications in Home Assistant ("+strings.Join(locale.Languages(), ", ")+"); empty: Home Assistant's", false, func(c *Config) *string { return &c.Language }),
		f("panel_url", "", "address of the LifeOps panel that HA's device pages link to (http(s)://… or homeassistant://…); empty: the add-on's ingress panel inside the add-on, else no link", false, func(c *Config) *string { return &c.PanelURL }),
		f("log_level", "info", "trace, debug, info, warn or error", false, func(c *Config) *string { return &c.LogLevel }),
		f("log_format", "", "json or console; empty: console on a terminal, else json", false, func(c *Config) *string { return &c.LogFormat }),
		f("oura_client_id", "", "Oura application client id", false, func(c *Config) *string { return &c.OuraClientID }),
		f("oura_client_secret", "", "Oura application client secret", true, func(c *Config) *string { return &c.OuraClientSecret }),
		f("oura_api_url", "https://api.ouraring.com", "Oura API base URL", false, func(c *Config) *string { return &c.OuraAPIURL }),
		f("oura_redirect_url", "http://homeassistant.local:8000/api/v1/oura/callback", "redirect URL registered with the Oura application (LifeOps' /api/v1/oura/callback)", false, func(c *Config) *string { return &c.OuraRedirectURL }),
		f("oura_webhook_token", "", "verification token of Oura webhook subscriptions; empty disables the webhook receiver", true, func(c *Config) *string { return &c.OuraWebhookToken }),
		f("data_dir", "", "directory for keys and state files; empty: /data in the add-on, else ./data", false, func(c *Config) *string { return &c.DataDir }),
		{
			key: "expose_to_assist", def: "false", usage: "expose the main sensors to Assist",
			set: func(c *Config, v string) error {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return errors.New("must be true or false")
				}
				c.ExposeToAssist = b
				return nil
			},
			get: func(c *Config) string { return strconv.FormatBool(c.ExposeToAssist) },
		},
		{
			key: "readings_retention_days", def: "10", usage: "days of raw sensor readings to keep",
			set: func(c *Config, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil {
					return errors.New("must be a whole number")
				}
				c.ReadingsRetentionDays = n
				return nil
			},
			get: func(c *Config) string { return strconv.Itoa(c.ReadingsRetentionDays) },
		},
		f("sensor_allow_list", "", "sensors to store besides those evidence rules read: comma separated sensor keys (zigbee2mqtt/bed/occupancy, esphome/desk/sensor/power, binary_sensor.bed), Zigbee2MQTT friendly names or ESPHome nodes", false, func(c *Config) *string { return &c.SensorAllowList }),
		f("tls_cert_file", "", "TLS certificate for the REST API (PEM)", false, func(c *Config) *string { return &c.TLSCertFile }),
		f("tls_key_file", "", "TLS private key for the REST API (PEM)", true, func(c *Config) *string { return &c.TLSKeyFile }),
		{
			key: "api_rate", def: "20", usage: "REST requests per second each caller (token or HA user) may make",
			set: func(c *Config, v string) error {
				n, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return errors.New("must be a number")
				}
				c.APIRate = n
				return nil
			},
			get: func(c *Config) string { return strconv.FormatFloat(c.APIRate, 'f', -1, 64) },
		},
		{
			key: "api_burst", def: "40", usage: "REST requests each caller may make at once, above api_rate",
			set: func(c *Config, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil {
					return errors.New("must be a whole number")
				}
				c.APIBurst = n
				return nil
			},
			get: func(c *Config) string { return strconv.Itoa(c.APIBurst) },
		},
	}
}

// EnvName is the environment variable that sets the option key.
func EnvName(key string) string { return "LIFEOPS_" + strings.ToUpper(key) }

func flagName(key string) string { return strings.ReplaceAll(key, "_", "-") }

// Loader reads the layers. Its zero value is not useful: use NewLoader.
type Loader struct {
	fs          *flag.FlagSet
	flags       map[string]*string
	optionsPath *string
}

// NewLoader registers one flag per setting (and --options) on fs.
func NewLoader(fs *flag.FlagSet) *Loader {
	l := &Loader{fs: fs, flags: map[string]*string{}}
	for _, f := range fields() {
		l.flags[f.key] = fs.String(flagName(f.key), "", f.usage+" (env "+EnvName(f.key)+")")
	}
	l.optionsPath = fs.String("options", "", "add-on options file (default "+DefaultOptionsPath+" when it exists)")
	return l
}

// Load builds the Config from every layer. getenv is os.Getenv in production;
// tests pass a map's lookup. The result is not yet validated.
func (l *Loader) Load(getenv func(string) string) (Config, error) {
	var c Config
	c.SupervisorToken, _ = lookupEnv(getenv, "SUPERVISOR_TOKEN")
	c.SupervisorURL = DefaultSupervisorURL
	if v, ok := lookupEnv(getenv, "SUPERVISOR_URL"); ok && v != "" {
		c.SupervisorURL = strings.TrimRight(v, "/")
	}
	vals := map[string]string{}
	for _, f := range fields() {
		vals[f.key] = f.def
	}
	if c.SupervisorToken != "" {
		// Inside the add-on the Supervisor proxies Core's WebSocket API and
		// hands us a token for it; both are defaults, not overrides.
		vals["ha_url"] = "ws" + strings.TrimPrefix(c.SupervisorURL, "http") + "/core/websocket"
		vals["ha_token"] = c.SupervisorToken
		vals["data_dir"] = "/data"
	}

	path, explicit := DefaultOptionsPath, false
	if l.optionsPath != nil && *l.optionsPath != "" {
		path, explicit = *l.optionsPath, true
	}
	// Problems in the options file (unknown options, values of the wrong
	// type) are reported with every other problem, not instead of them.
	var verr Error
	if err := readOptions(path, explicit, vals); err != nil {
		var oerr *Error
		if !errors.As(err, &oerr) {
			return c, err
		}
		verr.Problems = append(verr.Problems, oerr.Problems...)
	}
	for _, f := range fields() {
		if v, ok := lookupEnv(getenv, EnvName(f.key)); ok {
			vals[f.key] = v
		}
	}
	if l.fs != nil {
		l.fs.Visit(func(fl *flag.Flag) {
			for key, p := range l.flags {
				if flagName(key) == fl.Name {
					vals[key] = *p
				}
			}
		})
	}

	c.MQTTFromSupervisor = c.SupervisorToken != "" && vals["mqtt_url"] == defaultMQTTURL && !l.explicit("mqtt_url", getenv)

	for _, f := range fields() {
		if err := f.set(&c, vals[f.key]); err != nil {
			verr.add(f, vals[f.key], err.Error())
		}
	}
	if c.DataDir == "" {
		c.DataDir = "data"
	}
	return c, verr.err()
}

// LoadChecked is Load then Validate, with every problem of both in one
// *Error: a value of the wrong type does not hide an invalid URL. A setting
// Load already refused is not reported again by Validate.
func (l *Loader) LoadChecked(getenv func(string) string) (Config, error) {
	c, err := l.Load(getenv)
	var lerr *Error
	if err != nil && !errors.As(err, &lerr) {
		return c, err
	}
	var all Error
	named := map[string]bool{}
	if lerr != nil {
		all.Problems = append(all.Problems, lerr.Problems...)
		for _, p := range lerr.Problems {
			named[p.Field] = true
		}
	}
	var verr *Error
	if errors.As(c.Validate(), &verr) {
		for _, p := range verr.Problems {
			if !named[p.Field] {
				all.Problems = append(all.Problems, p)
			}
		}
	}
	return c, all.err()
}

// explicit reports whether env or a flag set key, even to its default value.
func (l *Loader) explicit(key string, getenv func(string) string) bool {
	if _, ok := lookupEnv(getenv, EnvName(key)); ok {
		return true
	}
	set := false
	if l.fs != nil {
		l.fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == flagName(key) })
	}
	return set
}

// lookupEnv treats an empty variable as set only for settings where empty
// means something (it disables MQTT, for one). getenv cannot tell unset from
// empty, so production passes a getenv that answers "\x00" for unset; see Getenv.
func lookupEnv(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	if v == unset {
		return "", false
	}
	return v, true
}

const unset = "\x00unset"

// Getenv is os.LookupEnv shaped for Load: it tells an unset variable from an
// empty one, which matters because LIFEOPS_MQTT_URL= disables MQTT.
func Getenv(name string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return unset
}

// MapEnv is Getenv over a fixed map, for tests and for `config check` runs
// that must not see the caller's environment.
func MapEnv(m map[string]string) func(string) string {
	return func(name string) string {
		if v, ok := m[name]; ok {
			return v
		}
		return unset
	}
}

func readOptions(path string, explicit bool, vals map[string]string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("options file %s: %w", path, err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("options file %s: not a JSON object: %w", path, err)
	}
	known := map[string]bool{}
	for _, f := range fields() {
		known[f.key] = true
	}
	var verr Error
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !known[k] {
			field := k
			if strings.TrimSpace(field) == "" {
				field = strconv.Quote(k) // an empty name would leave the message naming nothing
			}
			verr.Problems = append(verr.Problems, Problem{Field: field, Reason: "unknown option in " + path})
			continue
		}
		switch v := raw[k].(type) {
		case nil:
			// The Supervisor writes null for an optional option left blank.
		case string:
			// An option left blank in the add-on's form means "not set",
			// so the default (or the Supervisor's broker) still applies.
			if v != "" {
				vals[k] = v
			}
		case bool:
			vals[k] = strconv.FormatBool(v)
		case float64:
			vals[k] = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			verr.Problems = append(verr.Problems, Problem{Field: k, Reason: "must be a string, number or boolean"})
		}
	}
	return verr.err()
}

// Problem is one invalid setting.
type Problem struct {
	Field  string
	Value  string // already redacted for secrets
	Reason string
}

// Error lists every invalid setting at once.
type Error struct {
	Problems []Problem
}

func (e *Error) add(f field, value, reason string) {
	value = f.show(value)
	e.Problems = append(e.Problems, Problem{Field: f.key, Value: value, Reason: reason})
}

func (e *Error) err() error {
	if len(e.Problems) == 0 {
		return nil
	}
	return e
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid configuration (%d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s=%q: %s", p.Field, p.Value, p.Reason)
	}
	return b.String()
}

const redacted = "<redacted>"

// Validate checks every setting and reports all problems in one *Error.
func (c Config) Validate() error {
	var e Error
	byKey := map[string]field{}
	for _, f := range fields() {
		byKey[f.key] = f
	}
	bad := func(key, reason string) {
		f := byKey[key]
		e.add(f, f.get(&c), reason)
	}

	// The host is in the authority, or (for a Unix socket directory, as
	// the add-on's start-up scripts use) in the host query parameter.
	if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") ||
		(u.Host == "" && u.Query().Get("host") == "") {
		bad("database_url", "must be a postgres:// URL with a host")
	}
	if _, port, err := net.SplitHostPort(c.HTTPAddr); err != nil || !validPort(port) {
		bad("http_addr", "must be host:port or :port")
	}
	if c.CalDAVAddr != "" && c.CalDAVAddr != "off" {
		if _, port, err := net.SplitHostPort(c.CalDAVAddr); err != nil || !validPort(port) {
			bad("caldav_addr", "must be host:port or :port, or off")
		} else if c.CalDAVAddr == c.HTTPAddr && port != "0" {
			bad("caldav_addr", "must differ from http_addr")
		}
	}
	if c.MQTTURL != "" {
		u, err := url.Parse(c.MQTTURL)
		switch {
		case err != nil || u.Host == "":
			bad("mqtt_url", "must be a URL like tcp://host:1883")
		case !oneOf(u.Scheme, "tcp", "mqtt", "ssl", "tls", "mqtts", "ws", "wss"):
			bad("mqtt_url", "scheme must be tcp, mqtt, ssl, tls, mqtts, ws or wss")
		}
	}
	if reason := ClientIDProblem(c.MQTTClientID); c.MQTTClientID != "" && reason != "" {
		bad("mqtt_client_id", reason)
	}
	for _, key := range []string{"discovery_prefix", "base_topic", "z2m_base_topic"} {
		if reason := topicProblem(byKey[key].get(&c)); reason != "" {
			bad(key, reason)
		}
	}
	if c.HAURL != "" {
		if u, err := url.Parse(c.HAURL); err != nil || !oneOf(u.Scheme, "ws", "wss") || u.Host == "" {
			bad("ha_url", "must be a ws:// or wss:// URL")
		} else if c.HAToken == "" {
			bad("ha_token", "is required when ha_url is set")
		}
	}
	if c.Timezone != "" {
		if _, err := time.LoadLocation(c.Timezone); err != nil {
			bad("timezone", "is not a known IANA time zone")
		}
	}
	if c.Language != "" && !locale.Supported(c.Language) {
		bad("language", "must be one of "+strings.Join(locale.Languages(), ", ")+", or empty for Home Assistant's language")
	}
	if c.PanelURL != "" {
		if u, err := url.Parse(c.PanelURL); err != nil || !(oneOf(u.Scheme, "http", "https") && u.Host != "" || u.Scheme == "homeassistant" && (u.Host != "" || u.Path != "")) {
			bad("panel_url", "must be an http(s) URL with a host, or homeassistant://<page> (such as homeassistant://hassio/ingress/<add-on slug>)")
		}
	}
	if !oneOf(c.CalDAVTodayDelete, "skip", "refuse") {
		bad("caldav_today_delete", "must be skip or refuse")
	}
	if !oneOf(c.LogLevel, "trace", "debug", "info", "warn", "error") {
		bad("log_level", "must be trace, debug, info, warn or error")
	}
	if !oneOf(c.LogFormat, "", "json", "console") {
		bad("log_format", "must be json or console")
	}
	if u, err := url.Parse(c.OuraAPIURL); err != nil || !oneOf(u.Scheme, "http", "https") || u.Host == "" {
		bad("oura_api_url", "must be an http(s) URL")
	}
	if u, err := url.Parse(c.OuraRedirectURL); (c.OuraClientID != "" || c.OuraRedirectURL != "") && (err != nil || !oneOf(u.Scheme, "http", "https") || u.Host == "") {
		bad("oura_redirect_url", "must be an http(s) URL with a host (LifeOps' /api/v1/oura/callback)")
	}
	if (c.OuraClientID == "") != (c.OuraClientSecret == "") {
		bad("oura_client_secret", "oura_client_id and oura_client_secret go together")
	}
	if c.ReadingsRetentionDays < 1 || c.ReadingsRetentionDays > 3650 {
		bad("readings_retention_days", "must be between 1 and 3650")
	}
	if !(c.APIRate >= 1 && c.APIRate <= 10000) { // written so NaN fails too
		bad("api_rate", "must be between 1 and 10000 requests per second")
	}
	if c.APIBurst < 1 || c.APIBurst > 100000 {
		bad("api_burst", "must be between 1 and 100000")
	}
	if strings.ContainsAny(c.SensorAllowList, "+#") {
		bad("sensor_allow_list", "must not contain the MQTT wildcards + or #")
	}
	switch {
	case (c.TLSCertFile == "") != (c.TLSKeyFile == ""):
		bad("tls_cert_file", "tls_cert_file and tls_key_file go together")
	case c.TLSCertFile != "":
		// serve would otherwise log "ready" and then exit when the first
		// connection needs the pair.
		if reason := tlsPairProblem(c.TLSCertFile, c.TLSKeyFile); reason != "" {
			bad("tls_cert_file", reason)
		}
	}
	return e.err()
}

// tlsPairProblem says why the certificate and key files cannot serve TLS:
// unreadable, not PEM, or not a matching pair.
func tlsPairProblem(certFile, keyFile string) string {
	for _, f := range []struct{ key, path string }{{"tls_cert_file", certFile}, {"tls_key_file", keyFile}} {
		if _, err := os.ReadFile(f.path); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return fmt.Sprintf("%s cannot be read: %v", f.key, err)
		}
	}
	if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
		return "tls_cert_file and tls_key_file are not a valid certificate and key pair: " + strings.TrimPrefix(err.Error(), "tls: ")
	}
	return ""
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 0 && n <= 65535
}

func topicProblem(t string) string {
	switch {
	case t == "":
		return "must not be empty"
	case strings.ContainsAny(t, "+#\x00"):
		return "must not contain MQTT wildcards (+ or #)"
	case strings.HasPrefix(t, "/") || strings.HasSuffix(t, "/"):
		return "must not start or end with /"
	}
	return ""
}

// MaxClientIDLength bounds mqtt_client_id. MQTT 3.1.1 only promises 23
// characters; Mosquitto and the other common brokers take far more.
const MaxClientIDLength = 64

// ClientIDProblem says why id cannot be an MQTT client id of LifeOps (""
// when it can): letters, digits, '-', '_' and '.', at most
// MaxClientIDLength of them, so it reads the same in every broker's log
// and ACL file.
func ClientIDProblem(id string) string {
	if id == "" || len(id) > MaxClientIDLength {
		return fmt.Sprintf("must be 1 to %d characters long", MaxClientIDLength)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Sprintf("must contain only letters, digits, '-', '_' and '.' (found %q)", r)
		}
	}
	return ""
}

func oneOf(s string, options ...string) bool {
	for _, o := range options {
		if s == o {
			return true
		}
	}
	return false
}

// Setting is one line of the effective configuration as shown to people.
type Setting struct {
	Key   string `json:"key"`
	Env   string `json:"env"`
	Value string `json:"value"`
}

// Redacted lists every setting with secrets replaced, in a stable order.
// Passwords inside URLs are redacted too.
func (c Config) Redacted() []Setting {
	var out []Setting
	for _, f := range fields() {
		out = append(out, Setting{Key: f.key, Env: EnvName(f.key), Value: f.show(f.get(&c))})
	}
	return out
}

// show is how a value of f may appear in output: secrets redacted, URLs
// (the database's among them) with their passwords hidden, key/value
// connection strings with password= hidden.
func (f field) show(v string) string {
	if f.secret && v != "" && f.key != "database_url" {
		return redacted
	}
	return redact.String(v)
}

// Secrets are the values that must never be printed: every secret setting,
// the passwords inside URLs, and the Supervisor's token. main gives them to
// the redactor of every log line and command output.
func (c Config) Secrets() []string {
	out := []string{c.SupervisorToken}
	for _, f := range fields() {
		v := f.get(&c)
		if f.secret && f.key != "database_url" && f.key != "tls_key_file" {
			out = append(out, v)
		}
		if u, err := url.Parse(v); err == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok {
				out = append(out, pw, url.QueryEscape(pw))
			}
		}
	}
	return out
}

// Keys lists the option names, for the add-on's schema and translations tests.
func Keys() []string {
	var keys []string
	for _, f := range fields() {
		keys = append(keys, f.key)
	}
	return keys
}

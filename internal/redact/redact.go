// Package redact hides secrets in text before it is printed or logged: the
// password of a URL's userinfo, key/value secrets (password=…, client_secret=…,
// access_token=…), bearer tokens, and the exact values a Redactor was told
// are secret (the configured passwords and tokens). It is the one place that
// decides what a secret looks like; main applies it to every log line and to
// every command's output.
package redact

import (
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Mask replaces every secret.
const Mask = "xxxxx"

// minSecret is the shortest configured value redacted verbatim: shorter ones
// ("a", "1") would mask ordinary words and numbers.
const minSecret = 4

var (
	// scheme://user:password@ — the password ends at the last @ before the
	// host, so it may itself hold @ or :.
	urlUserinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@"'<>]*):([^\s/"'<>]*)@`)
	// password=…, "password":"…", client_secret: …, in connection strings,
	// query strings, JSON and YAML alike.
	keyValue = regexp.MustCompile(`(?i)((?:password|passwd|pwd|passphrase|secret|client_secret|access_token|refresh_token|api_key|apikey|token)["']?\s*[=:]\s*["']?)([^\s"'&,;}\\]+)`)
	bearer   = regexp.MustCompile(`(?i)\b(bearer\s+)([A-Za-z0-9\-._~+/]{8,}=*)`)
)

// String hides the secrets any text may show by its shape: URL passwords,
// key/value secrets and bearer tokens.
func String(s string) string {
	s = urlUserinfo.ReplaceAllString(s, "${1}:"+Mask+"@")
	s = keyValue.ReplaceAllStringFunc(s, func(m string) string {
		sub := keyValue.FindStringSubmatch(m)
		if sub[2] == Mask || strings.HasPrefix(sub[2], "<") {
			return m // already hidden, or a placeholder like <redacted>
		}
		return sub[1] + Mask
	})
	return bearer.ReplaceAllString(s, "${1}"+Mask)
}

// Redactor hides shaped secrets (String) and the exact values it was told
// about. It is safe for concurrent use.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string // longest first, so a secret inside another goes second
}

// New returns a Redactor that knows secrets.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add makes values secret from now on.
func (r *Redactor) Add(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		if len(v) >= minSecret && v != Mask && !contains(r.secrets, v) {
			r.secrets = append(r.secrets, v)
		}
	}
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// String hides every secret in s.
func (r *Redactor) String(s string) string {
	r.mu.RLock()
	for _, v := range r.secrets {
		s = strings.ReplaceAll(s, v, Mask)
	}
	r.mu.RUnlock()
	return String(s)
}

// Writer returns w with every write redacted. Each write is redacted on its
// own: zerolog writes one whole line per event, fmt.Fprint one message.
func (r *Redactor) Writer(w io.Writer) *Writer { return &Writer{r: r, w: w} }

// Writer redacts what is written through it.
type Writer struct {
	r *Redactor
	w io.Writer
}

// Write writes p redacted. It reports len(p) on success: callers count what
// they gave, not what a mask made of it.
func (w *Writer) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.w, w.r.String(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Redactor is the Redactor behind w, to tell it more secrets.
func (w *Writer) Redactor() *Redactor { return w.r }

// Unwrap is the writer underneath (to ask whether it is a terminal).
func (w *Writer) Unwrap() io.Writer { return w.w }

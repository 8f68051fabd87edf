package oura_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/oura"
)

func TestSealerKeyFile(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	s1, err := oura.NewSealer(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, oura.KeyFileName))
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != 32 {
		t.Fatalf("key file %v: mode %v size %d", err, fi.Mode().Perm(), fi.Size())
	}
	tok := oura.Token{AccessToken: "a", RefreshToken: "r", Expiry: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Scopes: []string{"daily"}}
	sealed, err := s1.SealToken(42, tok)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, `"r"`) {
		t.Fatalf("sealed %q", sealed)
	}
	s2, err := oura.NewSealer(dir) // a restart reads the same key
	if err != nil {
		t.Fatal(err)
	}
	got, err := s2.OpenToken(42, sealed)
	if err != nil || !reflect.DeepEqual(got, tok) {
		t.Fatalf("open after restart: %+v, %v", got, err)
	}
	other, err := oura.NewSealer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		sealer *oura.Sealer
		person int64
		value  string
	}{
		{"other person's row", s1, 43, sealed},
		{"other key", other, 42, sealed},
		{"tampered", s1, 42, sealed[:len(sealed)-2] + flip(sealed[len(sealed)-2:])},
		{"unknown version", s1, 42, "v2:" + strings.TrimPrefix(sealed, "v1:")},
		{"not base64", s1, 42, "v1:***"},
		{"too short", s1, 42, "v1:AAAA"},
	} {
		if _, err := tc.sealer.OpenToken(tc.person, tc.value); !errors.Is(err, oura.ErrSealed) {
			t.Errorf("%s: got %v, want ErrSealed", tc.name, err)
		}
	}
	again, _ := s1.SealToken(42, tok)
	if again == sealed {
		t.Error("two seals of the same token are identical: nonce reused")
	}
}

func flip(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func TestSealerBadKeyFiles(t *testing.T) {
	t.Parallel()
	short := t.TempDir()
	os.WriteFile(filepath.Join(short, oura.KeyFileName), []byte("short"), 0o600)
	if _, err := oura.NewSealer(short); err == nil || !strings.Contains(err.Error(), "5 bytes, want 32") {
		t.Errorf("short key: %v", err)
	}
	loose := t.TempDir()
	path := filepath.Join(loose, oura.KeyFileName)
	os.WriteFile(path, make([]byte, 32), 0o644)
	os.Chmod(path, 0o644)
	if _, err := oura.NewSealer(loose); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("readable key left at mode %v", fi.Mode().Perm())
	}
	if _, err := oura.NewSealerFromKey(make([]byte, 16)); err == nil {
		t.Error("AES-128 key accepted")
	}
}

func TestSealerConcurrentCreateAgrees(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sealers := make([]*oura.Sealer, 4)
	errs := make(chan error, 4)
	done := make(chan struct{})
	for i := range sealers {
		go func() {
			s, err := oura.NewSealer(dir)
			sealers[i] = s
			errs <- err
			done <- struct{}{}
		}()
	}
	for range sealers {
		<-done
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	sealed, _ := sealers[0].Seal([]byte("x"), nil)
	for i, s := range sealers {
		if _, err := s.Open(sealed, nil); err != nil {
			t.Errorf("sealer %d has another key: %v", i, err)
		}
	}
}

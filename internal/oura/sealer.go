package oura

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// KeyFileName is the sealing key's file inside the data directory. Back it
// up with the database: without it stored tokens cannot be opened and every
// person must authorize Oura again.
const KeyFileName = "oura-token.key"

const (
	keySize      = 32 // AES-256
	sealVersion1 = "v1:"
)

// ErrSealed means a sealed value could not be opened: wrong key, wrong
// person, an unknown version or tampering.
var ErrSealed = errors.New("cannot open sealed value")

// Sealer encrypts tokens at rest with AES-256-GCM. Sealed values are text:
// a version prefix ("v1:") and base64url(nonce || ciphertext), so a later key
// or algorithm can live beside the old one.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer opens the key in dataDir/KeyFileName, creating a random one
// (mode 0600) when it is missing.
func NewSealer(dataDir string) (*Sealer, error) {
	path := filepath.Join(dataDir, KeyFileName)
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKey(dataDir, path)
	}
	if err != nil {
		return nil, fmt.Errorf("oura token key %s: %w", path, err)
	}
	if len(key) != keySize {
		return nil, fmt.Errorf("oura token key %s: %d bytes, want %d", path, len(key), keySize)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		// A key others can read protects nothing; tighten rather than refuse to start.
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, fmt.Errorf("oura token key %s: restrict mode: %w", path, err)
		}
	}
	return NewSealerFromKey(key)
}

// NewSealerFromKey uses a 32-byte key directly.
func NewSealerFromKey(key []byte) (*Sealer, error) {
	if len(key) != keySize {
		return nil, fmt.Errorf("oura token key: %d bytes, want %d", len(key), keySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// createKey writes a new key under a temporary name and links it into place,
// so two processes starting together agree on one key and a crash never
// leaves a short key behind.
func createKey(dir, path string) ([]byte, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, KeyFileName+".tmp*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, err
	}
	if _, err := tmp.Write(key); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	err = os.Link(tmp.Name(), path)
	switch {
	case err == nil:
		return key, nil
	case errors.Is(err, fs.ErrExist):
		return os.ReadFile(path) // someone else won the race: use theirs
	}
	// Some volumes have no hard links: fall back to an exclusive create.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, err
	}
	return key, nil
}

// Seal encrypts plaintext. aad is authenticated but not stored: Open must be
// given the same aad (bind a value to its owner so rows cannot be swapped).
func (s *Sealer) Seal(plaintext, aad []byte) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, plaintext, append([]byte(sealVersion1), aad...))
	return sealVersion1 + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal with the same aad.
func (s *Sealer) Open(sealed string, aad []byte) ([]byte, error) {
	rest, ok := strings.CutPrefix(sealed, sealVersion1)
	if !ok {
		return nil, fmt.Errorf("%w: unknown version", ErrSealed)
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return nil, fmt.Errorf("%w: malformed", ErrSealed)
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], append([]byte(sealVersion1), aad...))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSealed, err)
	}
	return plain, nil
}

// SealToken seals a person's token pair, bound to personID.
func (s *Sealer) SealToken(personID int64, tok Token) (string, error) {
	plain, err := json.Marshal(tok)
	if err != nil {
		return "", err
	}
	return s.Seal(plain, personAAD(personID))
}

// OpenToken opens a value made by SealToken for the same person.
func (s *Sealer) OpenToken(personID int64, sealed string) (Token, error) {
	plain, err := s.Open(sealed, personAAD(personID))
	if err != nil {
		return Token{}, fmt.Errorf("person %d oura token: %w", personID, err)
	}
	var tok Token
	if err := json.Unmarshal(plain, &tok); err != nil {
		return Token{}, fmt.Errorf("person %d oura token: %w", personID, err)
	}
	return tok, nil
}

func personAAD(personID int64) []byte {
	return []byte("oura-token/person/" + strconv.FormatInt(personID, 10))
}

package main

// A SCRAM client (RFC 5802) for Sarama's Net.SASL.SCRAMClientGeneratorFunc, with Go's standard
// library only: Sarama 1.22 leaves the SCRAM exchange to the application, and Debian packages no
// SCRAM library for it. Kept to what the exchange needs; it checks the server's signature too.

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"strconv"
	"strings"
)

type scramClient struct {
	newHash         func() hash.Hash
	user, password  string
	nonce           string
	clientFirstBare string
	serverSignature []byte
	step            int
}

func newScramClient(mechanism string) *scramClient {
	if mechanism == "SCRAM-SHA-512" {
		return &scramClient{newHash: sha512.New}
	}
	return &scramClient{newHash: sha256.New}
}

func (c *scramClient) Begin(user, password, authzID string) error {
	raw := make([]byte, 18)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	c.user, c.password, c.nonce, c.step = user, password, base64.RawURLEncoding.EncodeToString(raw), 0
	return nil
}

func (c *scramClient) Step(challenge string) (string, error) {
	c.step++
	switch c.step {
	case 1:
		name := strings.NewReplacer("=", "=3D", ",", "=2C").Replace(c.user)
		c.clientFirstBare = "n=" + name + ",r=" + c.nonce
		return "n,," + c.clientFirstBare, nil
	case 2:
		attrs := map[string]string{}
		for _, kv := range strings.Split(challenge, ",") {
			if len(kv) > 2 && kv[1] == '=' {
				attrs[kv[:1]] = kv[2:]
			}
		}
		salt, err := base64.StdEncoding.DecodeString(attrs["s"])
		iterations, err2 := strconv.Atoi(attrs["i"])
		if err != nil || err2 != nil || !strings.HasPrefix(attrs["r"], c.nonce) {
			return "", errors.New("invalid SCRAM server-first message")
		}
		salted := c.hi([]byte(c.password), salt, iterations)
		withoutProof := "c=biws,r=" + attrs["r"]
		auth := c.clientFirstBare + "," + challenge + "," + withoutProof
		clientKey := c.hmac(salted, "Client Key")
		h := c.newHash()
		h.Write(clientKey)
		signature := c.hmac(h.Sum(nil), auth)
		proof := make([]byte, len(clientKey))
		for i := range clientKey {
			proof[i] = clientKey[i] ^ signature[i]
		}
		c.serverSignature = c.hmac(c.hmac(salted, "Server Key"), auth)
		return withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof), nil
	case 3:
		if !strings.HasPrefix(challenge, "v=") {
			return "", errors.New("SCRAM server-final: " + challenge)
		}
		got, err := base64.StdEncoding.DecodeString(challenge[2:])
		if err != nil || !hmac.Equal(got, c.serverSignature) {
			return "", errors.New("invalid SCRAM server signature")
		}
		return "", nil
	}
	return "", errors.New("SCRAM exchange already over")
}

func (c *scramClient) Done() bool { return c.step >= 3 }

func (c *scramClient) hmac(key []byte, text string) []byte {
	m := hmac.New(c.newHash, key)
	m.Write([]byte(text))
	return m.Sum(nil)
}

// hi is RFC 5802's Hi(): PBKDF2 with HMAC for one block (the key is one hash long).
func (c *scramClient) hi(password, salt []byte, iterations int) []byte {
	m := hmac.New(c.newHash, password)
	block := make([]byte, 4)
	binary.BigEndian.PutUint32(block, 1)
	m.Write(salt)
	m.Write(block)
	u := m.Sum(nil)
	out := append([]byte(nil), u...)
	for i := 1; i < iterations; i++ {
		m.Reset()
		m.Write(u)
		u = m.Sum(u[:0])
		for j := range out {
			out[j] ^= u[j]
		}
	}
	return out
}

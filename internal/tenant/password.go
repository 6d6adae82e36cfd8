package tenant

import (
	"crypto/rand"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// NewPassword returns a random producer password and its bcrypt hash.
func NewPassword() (plain, hash string, err error) { return NewPasswordCost(bcrypt.DefaultCost) }

// NewPasswordCost is NewPassword with a bcrypt cost (tests use the minimum).
func NewPasswordCost(cost int) (plain, hash string, err error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	plain = string(b)
	h, err := bcrypt.GenerateFromPassword(b, cost)
	if err != nil {
		return "", "", fmt.Errorf("hash password: %w", err)
	}
	return plain, string(h), nil
}

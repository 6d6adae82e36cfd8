// Package deptest holds the test that keeps earkiv's layers apart: which
// packages may import which. It has no code of its own.
package deptest

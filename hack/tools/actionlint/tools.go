//go:build tools

// Package tools pins actionlint, which checks .github/workflows in the unit tests, so that go.mod
// and go.sum record every module it needs.
package tools

import (
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)

//go:build tools

// Package tools pins helm, which the chart tests run (lint, template, install), so that go.mod
// and go.sum record every module it needs.
package tools

import (
	_ "helm.sh/helm/v4/cmd/helm"
)

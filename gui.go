//go:build !nogui

package main

import "github.com/heraldhq/herald/app"

func runGUI(args []string) int { return app.Run(args) }

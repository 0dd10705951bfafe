// Package assets holds the files Herald embeds in its binary: the app icon and the browser
// dashboard served by the hub at "/".
package assets

import (
	"embed"
	"io/fs"

	_ "embed"
)

// Icon is Herald's 256x256 PNG icon, used for the window, the tray and notifications.
//
//go:embed icon.png
var Icon []byte

//go:embed web
var web embed.FS

// Web returns the browser dashboard's files, rooted so that "index.html" is at the top.
func Web() fs.FS {
	sub, err := fs.Sub(web, "web")
	if err != nil {
		panic(err) // the embed directive guarantees the folder exists
	}
	return sub
}

// Package systemd holds herald.service, the systemd unit that runs `herald serve` as a
// system service, and the test that checks it with systemd-analyze. It has no Go code to
// import.
package systemd

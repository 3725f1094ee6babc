// Package ui is Leadsheet's Fyne window: the File, Map and Sync steps and
// the account settings. It holds no business logic; every decision lives in
// the importer and marketo packages.
package ui

// Package ui is Leadsheet's Fyne window: the File, Map and Sync steps and
// the account settings. It holds no business logic: every step of the
// import goes through importer/job, as `leadsheet sync` does, and the
// Fyne-free state of each step (the models its views draw) lives in
// ui/viewmodel, tested without a display or cgo.
package ui

// Command leadsheet imports an operator's Excel sheet into Marketo as leads.
package main

import (
	_ "fyne.io/fyne/v2/app"
	_ "fyne.io/fyne/v2/test"
	_ "github.com/xuri/excelize/v2"
	_ "github.com/zalando/go-keyring"
	_ "golang.org/x/text/encoding/charmap"
	_ "golang.org/x/time/rate"
)

func main() {}

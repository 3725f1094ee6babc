module leadsheet

go 1.26

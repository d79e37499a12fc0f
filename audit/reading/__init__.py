"""Reading untrusted workbooks: the safe-open check, the zip's one reading, how far sheets reach, then the parse."""

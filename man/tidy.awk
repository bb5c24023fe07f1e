# tidy.awk - scdoc's troff made clean for mandoc -T lint and unhyphenated (make man).
#
# scdoc closes every paragraph with .P, also where none follows: before a heading or
# another .P, right after a heading, and at the end of an indented block (.P then .RE),
# which mandoc -T lint reports ("skipping paragraph macro").  The last kind goes after
# the .RE (the same space, at the outer level: groff renders the page the same); the
# others are dropped.  And scdoc's .nh does not last: groff's man macros hyphenate again
# at each paragraph unless HY is 0 ("pv-trace" broken at line ends), so after .TH:
# .hy 0 and .nr HY 0.
{ lines[++n] = $0 }
END {
	for (i = 1; i < n; i++)
		if (lines[i] == ".P" && lines[i + 1] == ".RE") {
			lines[i] = ".RE"
			lines[i + 1] = ".P"
		}
	for (i = 1; i <= n; i++) {
		if (lines[i] == ".P") {
			prev = lines[i - 1]
			nxt = (i < n) ? lines[i + 1] : ".SH"
			if (prev ~ /^\.(SH|SS)( |$)/ || nxt ~ /^\.(SH|SS|P|RE)( |$)/)
				continue
		}
		print lines[i]
		if (lines[i] ~ /^\.TH /)
			print ".hy 0\n.nr HY 0"
	}
}

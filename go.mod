module github.com/earkiv/earkiv

go 1.26.8

require (
	github.com/beevik/etree v1.8.1
	github.com/google/uuid v1.6.0
	github.com/jacoelho/xsd v0.3.0
	github.com/urfave/cli/v2 v2.27.7
)

require (
	github.com/cpuguy83/go-md2man/v2 v2.0.7 // indirect
	github.com/russross/blackfriday/v2 v2.1.0 // indirect
	github.com/xrash/smetrics v0.0.0-20240521201337-686a1a2994c1 // indirect
)

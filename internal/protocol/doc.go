// Package protocol writes the gallringsprotokoll: the record that a
// municipality's disposal list (gallringslista) has been carried out. The
// protocol is archived for ever, so it documents the act without recreating
// what was destroyed: it names cases and documents by identifier
// (diarienummer, AIP, package, PREMIS event) and carries no titles, no names
// of the parties in a case and no content; the only names are those of the
// authority, the nämnder and the people who proposed and attested the list.
// Its text is Swedish, since a person signs and keeps it.
//
// A Protocol has two renderings of the same facts: JSON, the machine-readable
// twin ("earkiv-gallringsprotokoll/1"), and PDF, the document a person signs.
// Text gives the PDF's lines as plain strings, for tests and the web page;
// both come from one layout, so they cannot disagree.
//
// # PDF/A-2b
//
// The PDF aims at PDF/A-2b. It provides:
//   - an XMP packet with pdfaid:part 2 and pdfaid:conformance B, and
//     dc:title, dc:creator, dc:description, xmp:CreateDate, xmp:ModifyDate,
//     xmp:MetadataDate, xmp:CreatorTool and pdf:Producer equal to the
//     document information dictionary;
//   - an OutputIntent (GTS_PDFA1) with an sRGB ICC profile read at run time
//     from the file in EARKIV_ICC_PROFILE or from the system, e.g.
//     /usr/share/color/icc/sRGB.icc of Debian's icc-profiles-free (zlib
//     licence);
//   - DejaVu Sans and DejaVu Sans Bold embedded as subset TrueType (CIDFontType2
//     with CIDToGIDMap and ToUnicode), read at run time from the directory in
//     EARKIV_FONT_DIR or from the system, e.g. /usr/share/fonts/truetype/dejavu
//     of Debian's fonts-dejavu-core; no font or profile is in the repository;
//   - only RGB colours, no transparency, no annotations, actions or JavaScript;
//   - a document ID in the trailer, derived from the content;
//   - creation and modification dates set from Generated, in UTC with an
//     explicit offset, so one protocol always renders to the same bytes.
//
// Not checked, because no PDF/A validator (veraPDF) is available here: the
// conformance of the whole file as such; that fpdf's subset font names lack
// the six-letter subset tag (ISO 32000 asks for it, PDF/A-2b validators
// usually do not); and that every character in the input exists in DejaVu
// Sans (a missing one would draw .notdef, which PDF/A forbids; the Swedish
// alphabet and the identifiers earkiv uses are all covered); and fpdf's empty
// EmbeddedFiles name tree in the catalog (it holds no file). The header says
// %PDF-1.4, which PDF/A-2 allows.
//
// The same protocol renders to the same bytes with the same font and profile
// files; another DejaVu or ICC release gives another, equally valid, file.
package protocol

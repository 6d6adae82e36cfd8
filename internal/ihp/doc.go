// Package ihp holds a municipality's informationshanteringsplan (IHP) as
// data: per klass, ärendetyp and handlingstyp whether records are kept
// (bevaras) or destroyed (gallras), after how long and by which decision.
//
// It parses plans as municipalities keep them (CSV and XLSX from Excel, or
// the native YAML and JSON form), validates them, matches records to rules,
// evaluates outcomes (disposal dates) and diffs plan versions. It does no
// I/O beyond the bytes it is given, so preview, ingest and re-evaluation
// share one matching function and reach the same verdict. Where the plan
// does not decide, the outcome is bevaras with a reason for an archivist:
// nothing is ever destroyable by default.
package ihp

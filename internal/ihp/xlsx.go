package ihp

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"
)

// maxXLSX bounds what an XLSX plan may unzip to. A plan is some thousand
// rows; the bound also keeps excelize from spilling a sheet to a temporary
// file, so parsing stays free of I/O.
const maxXLSX = 64 << 20

// xlsxRows reads the plan's sheet: one named like the plan ("IHP",
// "Informationshanteringsplan ...") if the workbook has one, else the first.
// Cells are read as Excel shows them.
func xlsxRows(data []byte) ([][]string, []int, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxXLSX, UnzipXMLSizeLimit: maxXLSX})
	if err != nil {
		return nil, nil, fmt.Errorf("går inte att läsa som Excel-fil (xlsx): %w", err)
	}
	defer func() { _ = f.Close() }() // nothing written: no temporary files at this size
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, errors.New("filen har inga blad (Excel)")
	}
	sheet := sheets[0]
	for _, s := range sheets {
		if k := foldKey(s); k == "ihp" || strings.HasPrefix(k, "informationshanteringsplan") {
			sheet = s
			break
		}
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		return nil, nil, fmt.Errorf("bladet %q: %w", sheet, err)
	}
	nums := make([]int, len(rows))
	for i := range nums {
		nums[i] = i + 1
	}
	return rows, nums, nil
}

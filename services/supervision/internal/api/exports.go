package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// Media types of the exports.
const (
	xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	csvType  = "text/csv; charset=utf-8"
)

// ExportSheet is the name of the XLSX exports' one sheet.
const ExportSheet = "项目"

// utf8BOM starts the CSV exports so that office spreadsheet programs read them as UTF-8.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func (s *StatisticsServer) ExportProjectsSpreadsheet(ctx context.Context, req *pb.ExportProjectsSpreadsheetRequest) (*pb.ExportFile, error) {
	return s.export(ctx, req.GetRoundId(), "xlsx", xlsxType, projectsXLSX)
}

func (s *StatisticsServer) ExportProjectsCsv(ctx context.Context, req *pb.ExportProjectsCsvRequest) (*pb.ExportFile, error) {
	return s.export(ctx, req.GetRoundId(), "csv", csvType, projectsCSV)
}

// export draws the round's statistics and encodes their project rows with encode.
func (s *StatisticsServer) export(ctx context.Context, roundID, ext, contentType string, encode func([][]any) ([]byte, error)) (*pb.ExportFile, error) {
	st, err := s.stats.RoundStatistics(ctx, roundID)
	var content []byte
	if err == nil {
		content, err = encode(domain.ExportRows(st))
	}
	return rpc.Answer(ctx, content, err, func(content []byte) *pb.ExportFile {
		return &pb.ExportFile{Filename: "projects-" + roundID + "." + ext, ContentType: contentType, Content: content}
	})
}

// cellText is a cell as CSV writes it: amounts in yuan with two decimals.
func cellText(v any) string {
	switch v := v.(type) {
	case int64:
		return strconv.FormatInt(v, 10)
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// projectsCSV is the header and rows as CSV in UTF-8 with a byte order mark.
func projectsCSV(rows [][]any) ([]byte, error) {
	var buf bytes.Buffer
	buf.Write(utf8BOM)
	w := csv.NewWriter(&buf)
	w.UseCRLF = true // what office programs write and expect
	if err := w.Write(domain.ExportHeaders); err != nil {
		return nil, err
	}
	for _, row := range rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = cellText(v)
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// projectsXLSX is the header and rows as an XLSX workbook of one sheet: amounts are numbers in yuan shown with
// two decimals, counts are numbers, the rest text; the header row is bold and frozen.
func projectsXLSX(rows [][]any) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", ExportSheet); err != nil {
		return nil, err
	}
	yuan, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("0.00")})
	if err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(ExportSheet)
	if err != nil {
		return nil, err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	header := make([]any, len(domain.ExportHeaders))
	for i, h := range domain.ExportHeaders {
		header[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, err
	}
	for r, row := range rows {
		cells := make([]any, len(row))
		for i, v := range row {
			switch v := v.(type) {
			case domain.Yuan:
				// The decimal text of the fen amount, read back exactly: no arithmetic in floating point.
				n, err := strconv.ParseFloat(v.String(), 64)
				if err != nil {
					return nil, err
				}
				cells[i] = excelize.Cell{StyleID: yuan, Value: n}
			default:
				cells[i] = v
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, r+2)
		if err != nil {
			return nil, err
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func ptr[T any](v T) *T { return &v }

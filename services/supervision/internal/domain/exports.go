package domain

import (
	"fmt"
	"strings"
)

// Yuan is an amount in fen shown in yuan with two decimals (123456 → "1234.56"), computed without floating
// point.
type Yuan int64

func (y Yuan) String() string {
	sign, v := "", int64(y)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// ExportHeaders are the columns of the project exports, in Chinese as the offices read them. Columns are only
// ever added at the end, so that partners' scripts reading them by position keep working: 社区 (the names of
// the communities chosen from the list) came with the communities list, after 资金计划状态.
var ExportHeaders = []string{"项目编号", "项目名称", "申报机构", "类别", "服务社区", "预算(元)", "认捐(元)", "捐赠到账(元)", "实物捐赠(元)",
	"配套(元)", "补齐(元)", "已拨付(元)", "追缴(元)", "服务人次", "月报已交", "月报逾期", "中期评估", "结项验收", "资金计划状态",
	"社区"}

var (
	categoryNames   = map[string]string{"ELDERLY": "为老服务", "DISABILITY": "助残服务", "YOUTH": "青少年服务", "RELIEF": "救助帮困", "OTHER": "其它公益"}
	resultNames     = map[EvaluationResult]string{Passed: "通过", Failed: "未通过", "": "未评估"}
	planStateNames  = map[PlanState]string{"CONTRACTING": "签约中", "ACTIVE": "执行中", PlanSuspended: "已暂停", PlanTerminated: "已终止", PlanCompleted: "已完成", "": "无资金计划"}
	communitiesJoin = "、"
)

// named is m[k], or k itself when m has no name for it.
func named[K ~string](m map[K]string, k K) string {
	if n, ok := m[k]; ok {
		return n
	}
	return string(k)
}

// ExportRows is one row per selected project of st, by project ID, in ExportHeaders order: each cell a string,
// a Yuan or an int64. The overdue count is "" when st does not know it.
func ExportRows(st Statistics) [][]any {
	rows := make([][]any, 0, len(st.Projects))
	for _, l := range st.Projects {
		a, p, f := l.Application, l.Progress, l.Progress.Figures
		var overdue any = int64(f.MonthlyReportsOverdue)
		if !st.OverdueKnown {
			overdue = ""
		}
		rows = append(rows, []any{a.ID, a.Title, a.OrgName, named(categoryNames, a.Category), strings.Join(a.ServiceArea, communitiesJoin),
			Yuan(a.BudgetFen), Yuan(f.PledgedFen), Yuan(f.DepositedFen), Yuan(f.InKindFen), Yuan(f.MatchedFen), Yuan(f.ToppedUpFen),
			Yuan(f.DisbursedFen), Yuan(f.ClawedBackFen), f.BeneficiariesServed, int64(f.MonthlyReportsFiled), overdue,
			named(resultNames, p.Midterm), named(resultNames, p.FinalAcceptance), named(planStateNames, p.PlanState),
			strings.Join(l.Communities, communitiesJoin)})
	}
	return rows
}

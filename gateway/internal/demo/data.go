package demo

import (
	"fmt"

	"github.com/commonweal/commonweal/pkg/cnid"
)

// The demo round's made-up data: thirty applications across the five categories, from Linwei district's social
// organisations and three individuals with an idea. Every credit code and resident ID number is made up (region
// 999999 and 990101 do not exist) with a valid check character (pkg/cnid), and carries the run's serial so that
// a second run against the same suite registers new organisations.

// Category names of the round policy (DOMAIN.md §2).
var categories = []string{"CATEGORY_ELDERLY", "CATEGORY_DISABILITY", "CATEGORY_YOUTH", "CATEGORY_RELIEF", "CATEGORY_OTHER"}

// appSpec is one application of the demo: who applies, with what, and how the panels see it.
type appSpec struct {
	title, org, person string // person set: an individual's idea (idea-only)
	category           int    // index into categories
	budgetYuan         int64
	area               string
	// shortlist and final are the panel's base view: the idea points (of 65) and the other points (of 35) of
	// an average member; each member varies around them.
	ideaPts, restPts int
	finalPts         int // the final panel's base total (0 when the application is not expected to be a finalist)
}

var specs = []appSpec{
	{title: "临渭区独居老人助餐送餐服务项目", org: "渭南市临渭区夕阳红养老服务中心", category: 0, budgetYuan: 240_000, area: "人民街道", ideaPts: 56, restPts: 30, finalPts: 86},
	{title: "社区老年人智能手机培训计划", org: "临渭区银龄互助协会", category: 0, budgetYuan: 90_000, area: "杜桥街道", ideaPts: 44, restPts: 22},
	{title: "失能老人居家护理支持项目", org: "渭南康乐居家养老服务社", category: 0, budgetYuan: 400_000, area: "向阳街道", ideaPts: 55, restPts: 29, finalPts: 84},
	{title: "老年人防诈骗宣传进社区", org: "临渭区平安社区服务中心", category: 0, budgetYuan: 60_000, area: "解放街道", ideaPts: 45, restPts: 21},
	{title: "农村留守老人关爱探访行动", org: "渭南乡村振兴志愿者协会", category: 0, budgetYuan: 150_000, area: "双王街道", ideaPts: 53, restPts: 27, finalPts: 80},
	{title: "老年大学书画兴趣班", person: "张秀兰", category: 0, budgetYuan: 30_000, area: "人民街道", ideaPts: 62, restPts: 12},
	{title: "残疾儿童康复训练支持项目", org: "渭南市启明残疾儿童康复中心", category: 1, budgetYuan: 1_000_000, area: "站南街道", ideaPts: 58, restPts: 31, finalPts: 88},
	{title: "视障人士无障碍出行辅助", org: "临渭区光明助残服务社", category: 1, budgetYuan: 120_000, area: "人民街道", ideaPts: 52, restPts: 27, finalPts: 78},
	{title: "听障青年职业技能培训", org: "渭南手语之家公益服务中心", category: 1, budgetYuan: 180_000, area: "杜桥街道", ideaPts: 47, restPts: 24},
	{title: "心智障碍者社区融合计划", org: "临渭区融爱家庭支持中心", category: 1, budgetYuan: 200_000, area: "向阳街道", ideaPts: 54, restPts: 28, finalPts: 82},
	{title: "残疾人家庭喘息服务项目", org: "渭南市助残志愿者协会", category: 1, budgetYuan: 160_000, area: "解放街道", ideaPts: 43, restPts: 23},
	{title: "轮椅无障碍地图绘制", person: "李建国", category: 1, budgetYuan: 20_000, area: "站南街道", ideaPts: 63, restPts: 10},
	{title: "留守儿童课后托管与陪伴", org: "临渭区童心社会工作服务中心", category: 2, budgetYuan: 200_000, area: "双王街道", ideaPts: 57, restPts: 30, finalPts: 85},
	{title: "青少年心理健康支持热线", org: "渭南心晴青少年服务中心", category: 2, budgetYuan: 220_000, area: "人民街道", ideaPts: 53, restPts: 28, finalPts: 79},
	{title: "困境儿童阅读推广计划", org: "临渭区书香公益阅读推广中心", category: 2, budgetYuan: 80_000, area: "杜桥街道", ideaPts: 46, restPts: 22},
	{title: "中学生生涯规划指导项目", org: "渭南青苗成长服务社", category: 2, budgetYuan: 100_000, area: "向阳街道", ideaPts: 42, restPts: 20},
	{title: "社区青少年科普实验室", org: "临渭区科创青少年发展中心", category: 2, budgetYuan: 260_000, area: "解放街道", ideaPts: 52, restPts: 26, finalPts: 76},
	{title: "乡村儿童足球梦想计划", org: "渭南阳光体育公益协会", category: 2, budgetYuan: 140_000, area: "双王街道", ideaPts: 44, restPts: 21},
	{title: "低保家庭子女助学帮扶", org: "临渭区暖心救助服务中心", category: 3, budgetYuan: 300_000, area: "站南街道", ideaPts: 55, restPts: 28, finalPts: 83},
	{title: "流浪乞讨人员救助站延伸服务", org: "渭南市爱心驿站公益服务社", category: 3, budgetYuan: 130_000, area: "人民街道", ideaPts: 40, restPts: 20},
	{title: "重病患者家庭社工援助", org: "临渭区仁和医务社会工作服务中心", category: 3, budgetYuan: 180_000, area: "杜桥街道", ideaPts: 45, restPts: 34, finalPts: 77},
	{title: "困难群众冬季送温暖行动", org: "渭南慈航志愿服务协会", category: 3, budgetYuan: 90_000, area: "向阳街道", ideaPts: 45, restPts: 23},
	{title: "失业人员再就业帮扶", org: "临渭区就业帮扶服务中心", category: 3, budgetYuan: 150_000, area: "解放街道", ideaPts: 41, restPts: 22},
	{title: "社区爱心食物银行", person: "王淑芬", category: 3, budgetYuan: 40_000, area: "双王街道", ideaPts: 61, restPts: 11},
	{title: "社区垃圾分类环保行动", org: "临渭区绿色家园环保协会", category: 4, budgetYuan: 110_000, area: "站南街道", ideaPts: 51, restPts: 26, finalPts: 74},
	{title: "渭河湿地生态保护志愿服务", org: "渭南渭河守护者志愿协会", category: 4, budgetYuan: 170_000, area: "人民街道", ideaPts: 46, restPts: 24},
	{title: "社区邻里互助议事平台", org: "临渭区和谐邻里社会工作服务中心", category: 4, budgetYuan: 100_000, area: "杜桥街道", ideaPts: 43, restPts: 22},
	{title: "非遗传统技艺传承进校园", org: "渭南华州皮影文化传承中心", category: 4, budgetYuan: 120_000, area: "向阳街道", ideaPts: 50, restPts: 24},
	{title: "应急救护知识普及培训", org: "临渭区红十字应急救护服务队", category: 4, budgetYuan: 80_000, area: "解放街道", ideaPts: 42, restPts: 21},
	{title: "社区志愿者积分激励平台", org: "渭南志愿汇公益服务中心", category: 4, budgetYuan: 95_000, area: "双王街道", ideaPts: 39, restPts: 19},
}

// Indexes (0-based) of the applications with a part in the story.
const (
	appReturned     = 3  // returned at initial review, revised and resubmitted (修改完善 → 再度申报)
	appRejected     = 19 // rejected at initial review
	appLateReview   = 29 // still waiting for initial review at the deadline
	appMealService  = 0  // cash and an in-kind donation (food)
	appNursing      = 2  // no donation, budget 400,000: the top-up is capped
	appRehab        = 6  // budget 1,000,000 with 300,000 donated: the match is capped
	appChildren     = 12 // the naming right: a foundation gives 60% of the budget
	appUpheld       = 20 // the complaint against it is upheld: disqualified
	appDismissed    = 13 // the complaint against it is dismissed
	appLateDonation = 9  // money that arrives after the cutoff
)

// budgetLines splits a budget into three lines whose total is the budget.
func budgetLines(budgetFen int64) []map[string]any {
	staff := budgetFen * 45 / 100
	materials := budgetFen * 35 / 100
	return []map[string]any{
		{"name": "人员劳务", "amountFen": staff},
		{"name": "物资采购", "amountFen": materials},
		{"name": "活动组织", "amountFen": budgetFen - staff - materials},
	}
}

// uscc is a made-up unified social credit code (region 999999) with a valid check character.
func uscc(serial string) (string, error) {
	first := "91999999MA" + serial
	c, err := cnid.USCCCheckChar(first)
	if err != nil {
		return "", fmt.Errorf("credit code %s: %w", first, err)
	}
	return first + string(c), nil
}

// residentID is a made-up resident ID number (region 990101, born on a day of 1950-1989 that run picks) with a
// valid check digit.
func residentID(run, seq int) (string, error) {
	first := fmt.Sprintf("990101%04d%02d%02d%03d", 1950+run%40, 1+run/40%12, 1+run/480%28, seq%1000)
	c, err := cnid.ResidentIDCheckChar(first)
	if err != nil {
		return "", fmt.Errorf("resident ID %s: %w", first, err)
	}
	return first + string(c), nil
}

// Criteria maxima of the default rubric: four idea criteria (65 points), then planning and team (35).
var (
	ideaCriteria = []struct {
		name string
		max  int
	}{{"BREADTH", 15}, {"URGENCY", 15}, {"PUBLIC_BENEFIT", 15}, {"INNOVATION", 20}}
	restCriteria = []struct {
		name string
		max  int
	}{{"PLANNING", 20}, {"TEAM", 15}}
)

// Criteria spreads idea points (0-65) over the four idea criteria and rest points (0-35) over planning and
// team, each in proportion to its maximum, the remainder one point at a time in order.
func Criteria(idea, rest int) map[string]int {
	out := map[string]int{}
	spread := func(points, total int, cs []struct {
		name string
		max  int
	}) {
		points = max(0, min(points, total))
		left := points
		for _, c := range cs {
			v := points * c.max / total
			out[c.name] = v
			left -= v
		}
		for left > 0 {
			for _, c := range cs {
				if left > 0 && out[c.name] < c.max {
					out[c.name]++
					left--
				}
			}
		}
	}
	spread(idea, 65, ideaCriteria)
	spread(rest, 35, restCriteria)
	return out
}

// IdeaPoints is the sum of the four idea criteria of a score (DOMAIN.md: idea prizes).
func IdeaPoints(c map[string]int) int {
	return c["BREADTH"] + c["URGENCY"] + c["PUBLIC_BENEFIT"] + c["INNOVATION"]
}

// Total is a score's total.
func Total(c map[string]int) int {
	t := 0
	for _, v := range c {
		t += v
	}
	return t
}

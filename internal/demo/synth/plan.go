package synth

// PlanInput is what a household plan must honour: the participant's sex and age on the
// reference date, the household size, and whether she is a mother living alone with her
// children.
type PlanInput struct {
	Sex          byte
	Age          int
	Size         int
	SingleMother bool
}

// Member is one person of a household plan, before names and codes are drawn.
type Member struct {
	Rel         string // relationship to the head of the household, as in household_members
	Sex         byte   // 'F' or 'M'
	Age         int    // completed years on the household's reference date
	Participant bool
	Origin      *Country // nil: the household's origin
	Given       string   // fixed first name; empty draws one
}

func opposite(sex byte) byte {
	if sex == 'F' {
		return 'M'
	}
	return 'F'
}

// PlanHousehold composes a household around the participant. Only a single mother's plan
// is a woman heading a household alone with her children, so the chapter's count of single
// mothers is a property of the plans and nothing else.
func (r *Rand) PlanHousehold(in PlanInput) []Member {
	self := Member{Rel: "HEAD", Sex: in.Sex, Age: in.Age, Participant: true}
	if in.Size <= 1 {
		return []Member{self}
	}
	if in.SingleMother {
		plan := []Member{self}
		for i := 1; i < in.Size; i++ {
			plan = append(plan, Member{Rel: "CHILD", Sex: r.Sex(), Age: r.childAge(in.Age, i == 1)})
		}
		return plan
	}
	switch {
	case in.Age <= 25:
		// A young adult living with the parents and siblings.
		self.Rel = "CHILD"
		fatherAge := in.Age + r.Span(24, 34)
		if in.Size == 2 {
			parentSex := byte('F')
			if r.Chance(0.35) {
				parentSex = 'M'
			}
			return []Member{{Rel: "HEAD", Sex: parentSex, Age: fatherAge - r.Span(0, 3)}, self}
		}
		plan := []Member{{Rel: "HEAD", Sex: 'M', Age: fatherAge}, {Rel: "SPOUSE", Sex: 'F', Age: fatherAge - r.Span(0, 5)}, self}
		for len(plan) < in.Size {
			plan = append(plan, Member{Rel: "CHILD", Sex: r.Sex(), Age: clamp(in.Age+r.Span(-9, 4), 0, fatherAge-20)})
		}
		return plan
	case in.Age >= 56:
		plan := []Member{self, {Rel: "SPOUSE", Sex: opposite(in.Sex), Age: in.Age + r.Span(-4, 5)}}
		if in.Size >= 3 {
			plan = append(plan, Member{Rel: "CHILD", Sex: r.Sex(), Age: in.Age - r.Span(24, 32)})
		}
		for len(plan) < in.Size {
			plan = append(plan, Member{Rel: "GRANDCHILD", Sex: r.Sex(), Age: r.Span(1, 15)})
		}
		return plan
	}
	if in.Size == 2 {
		switch {
		case in.Sex == 'M' && r.Chance(0.3):
			// A father alone with his child.
			return []Member{self, {Rel: "CHILD", Sex: r.Sex(), Age: r.childAge(in.Age, true)}}
		case r.Chance(0.15) && in.Age >= 35:
			// An adult child caring for an elderly parent.
			return []Member{self, {Rel: "PARENT", Sex: r.Sex(), Age: in.Age + r.Span(24, 32)}}
		}
		return []Member{self, {Rel: r.partnerRel(), Sex: opposite(in.Sex), Age: in.Age + r.Span(-5, 6)}}
	}
	plan := []Member{self, {Rel: r.partnerRel(), Sex: opposite(in.Sex), Age: in.Age + r.Span(-5, 6)}}
	for i := 2; i < in.Size; i++ {
		plan = append(plan, Member{Rel: "CHILD", Sex: r.Sex(), Age: r.childAge(in.Age, i == 2)})
	}
	return plan
}

func (r *Rand) partnerRel() string {
	if r.Chance(0.3) {
		return "PARTNER"
	}
	return "SPOUSE"
}

// childAge draws the age of a parent's child; the first child drawn is a minor whenever the
// parent is young enough to have one, since households with minors are the ones the home
// educational service works with.
func (r *Rand) childAge(parentAge int, first bool) int {
	hi := max(parentAge-19, 0)
	lo := max(parentAge-42, 0)
	if first && lo <= 17 {
		hi = min(hi, 17)
	}
	return r.Span(lo, hi)
}

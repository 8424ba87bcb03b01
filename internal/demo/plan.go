package demo

// planInput is what the household plan must honour: the participant's sex and age on the
// reference date, the household size, and whether she is a mother living alone with her
// children.
type planInput struct {
	sex          byte
	age          int
	size         int
	singleMother bool
}

func opposite(sex byte) byte {
	if sex == 'F' {
		return 'M'
	}
	return 'F'
}

// planHousehold composes a household around the participant. Only a single mother's plan
// is a woman heading a household alone with her children, so the chapter's count of single
// mothers is a property of the plans and nothing else.
func (g *generator) planHousehold(in planInput) []member {
	self := member{rel: "HEAD", sex: in.sex, age: in.age, participant: true}
	if in.size <= 1 {
		return []member{self}
	}
	if in.singleMother {
		plan := []member{self}
		for i := 1; i < in.size; i++ {
			plan = append(plan, member{rel: "CHILD", sex: g.sex(), age: g.childAge(in.age, i == 1)})
		}
		return plan
	}
	switch {
	case in.age <= 25:
		// A young adult living with the parents and siblings.
		self.rel = "CHILD"
		fatherAge := in.age + g.span(24, 34)
		if in.size == 2 {
			parentSex := byte('F')
			if g.chance(0.35) {
				parentSex = 'M'
			}
			return []member{{rel: "HEAD", sex: parentSex, age: fatherAge - g.span(0, 3)}, self}
		}
		plan := []member{{rel: "HEAD", sex: 'M', age: fatherAge}, {rel: "SPOUSE", sex: 'F', age: fatherAge - g.span(0, 5)}, self}
		for len(plan) < in.size {
			plan = append(plan, member{rel: "CHILD", sex: g.sex(), age: clamp(in.age+g.span(-9, 4), 0, fatherAge-20)})
		}
		return plan
	case in.age >= 56:
		plan := []member{self, {rel: "SPOUSE", sex: opposite(in.sex), age: in.age + g.span(-4, 5)}}
		if in.size >= 3 {
			plan = append(plan, member{rel: "CHILD", sex: g.sex(), age: in.age - g.span(24, 32)})
		}
		for len(plan) < in.size {
			plan = append(plan, member{rel: "GRANDCHILD", sex: g.sex(), age: g.span(1, 15)})
		}
		return plan
	}
	if in.size == 2 {
		switch {
		case in.sex == 'M' && g.chance(0.3):
			// A father alone with his child.
			return []member{self, {rel: "CHILD", sex: g.sex(), age: g.childAge(in.age, true)}}
		case g.chance(0.15) && in.age >= 35:
			// An adult child caring for an elderly parent.
			return []member{self, {rel: "PARENT", sex: g.sex(), age: in.age + g.span(24, 32)}}
		}
		return []member{self, {rel: g.partnerRel(), sex: opposite(in.sex), age: in.age + g.span(-5, 6)}}
	}
	plan := []member{self, {rel: g.partnerRel(), sex: opposite(in.sex), age: in.age + g.span(-5, 6)}}
	for i := 2; i < in.size; i++ {
		plan = append(plan, member{rel: "CHILD", sex: g.sex(), age: g.childAge(in.age, i == 2)})
	}
	return plan
}

func (g *generator) sex() byte {
	if g.rng.IntN(2) == 0 {
		return 'F'
	}
	return 'M'
}

func (g *generator) partnerRel() string {
	if g.chance(0.3) {
		return "PARTNER"
	}
	return "SPOUSE"
}

// childAge draws the age of a parent's child; the first child drawn is a minor whenever the
// parent is young enough to have one, since households with minors are the ones the home
// educational service works with.
func (g *generator) childAge(parentAge int, first bool) int {
	hi := max(parentAge-19, 0)
	lo := max(parentAge-42, 0)
	if first && lo <= 17 {
		hi = min(hi, 17)
	}
	return g.span(lo, hi)
}

package synth

// The name pools are common first names and surnames combined at random: the people they
// make up are synthetic. Surnames of the people the ALI chapter names or thanks are left out.

var italianSurnames = []string{
	"Rossi", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Gallo", "Conti", "De Luca",
	"Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani",
	"Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone", "Longo", "Gentile", "Martinelli", "Vitale",
	"Lombardo", "Serra", "Coppola", "De Santis", "D'Angelo", "Marchetti", "Parisi", "Villa", "Conte", "Ferraro",
	"Ferri", "Fabbri", "Bianco", "Marini", "Grasso", "Valentini", "Messina", "Sala", "De Angelis", "Gatti",
	"Pellegrini", "Palumbo", "Sanna", "Farina", "Rizzi", "Monti", "Cattaneo", "Morelli", "Amato", "Silvestri",
	"Mazza", "Testa", "Grassi", "Pellegrino", "Carbone", "Giuliani", "Benedetti", "Barone", "Rossetti", "Caputo",
	"Montanari", "Guerra", "Palmieri", "Bernardi", "Martino", "Fiore", "De Rosa", "Ferretti", "Bellini", "Basile",
	"Riva", "Donati", "Piras", "Vitali", "Battaglia", "Sartori", "Neri", "Costantini", "Milani", "Pagano",
	"Ruggiero", "Sorrentino", "D'Amico", "Orlando", "Negri", "Bertini", "Innocenti", "Cecchi", "Lenzi", "Nesti",
	"Del Carlo", "Pardini", "Baldacci", "Bacci", "Lazzerini", "Giannini", "Guidi", "Mazzei", "Niccolai", "Tognetti",
}

var italianFemale = []string{
	"Maria", "Anna", "Giulia", "Francesca", "Sara", "Laura", "Valentina", "Chiara", "Elena", "Alessandra",
	"Silvia", "Martina", "Federica", "Roberta", "Paola", "Elisa", "Simona", "Cristina", "Monica", "Daniela",
	"Giovanna", "Rita", "Patrizia", "Claudia", "Alice", "Sofia", "Aurora", "Giorgia", "Emma", "Beatrice",
	"Noemi", "Ginevra", "Rebecca", "Irene", "Caterina", "Lucia", "Angela", "Teresa", "Rosa", "Antonella",
	"Lorena", "Marta", "Veronica", "Michela", "Stefania", "Tiziana", "Cinzia", "Manuela", "Debora", "Arianna",
}

var italianMale = []string{
	"Marco", "Andrea", "Luca", "Giuseppe", "Francesco", "Alessandro", "Giovanni", "Roberto", "Stefano", "Matteo",
	"Lorenzo", "Davide", "Simone", "Paolo", "Antonio", "Mario", "Fabio", "Massimo", "Daniele", "Riccardo",
	"Gabriele", "Tommaso", "Leonardo", "Edoardo", "Filippo", "Emanuele", "Nicola", "Claudio", "Sergio", "Franco",
	"Piero", "Giorgio", "Enrico", "Michele", "Salvatore", "Vincenzo", "Alberto", "Mattia", "Samuele", "Diego",
	"Pietro", "Jacopo", "Cristian", "Maurizio", "Luigi", "Gianluca", "Valerio", "Alessio", "Manuel", "Fabrizio",
}

// Country is a country of origin with its Belfiore code (used in tax codes of people born
// there) and the names its people are given.
type Country struct {
	ISO      string // ISO 3166 alpha-2
	Belfiore string
	EU       bool
	weight   int // share among participants of foreign origin in the Zona Pisana
	surnames []string
	female   []string
	male     []string
}

// Italy is the origin of Italian households.
var Italy = &Country{ISO: "IT", EU: true, surnames: italianSurnames, female: italianFemale, male: italianMale}

var foreignCountries = []*Country{
	{"AL", "Z100", false, 14,
		[]string{"Hoxha", "Shehu", "Dervishi", "Leka", "Gjoni", "Kola", "Basha", "Marku", "Krasniqi", "Berisha"},
		[]string{"Elona", "Anila", "Blerina", "Mirela", "Arjola", "Klaudia", "Ermira", "Valbona"},
		[]string{"Arben", "Ilir", "Besnik", "Gentian", "Fatmir", "Erion", "Klodian", "Dritan"}},
	{"RO", "Z129", true, 14,
		[]string{"Popescu", "Ionescu", "Stan", "Dumitru", "Gheorghe", "Matei", "Constantin", "Marin", "Munteanu", "Stoica"},
		[]string{"Ioana", "Elena", "Mihaela", "Andreea", "Florentina", "Gabriela", "Roxana", "Alina"},
		[]string{"Ion", "Mihai", "Florin", "Adrian", "Cristian", "Bogdan", "Vasile", "Sorin"}},
	{"MA", "Z330", false, 12,
		[]string{"El Amrani", "Benali", "Bouzid", "El Idrissi", "Chakir", "Haddad", "Ouali", "Tahiri", "Berrada", "Lahlou"},
		[]string{"Fatima", "Khadija", "Amina", "Naima", "Samira", "Latifa", "Malika", "Zineb"},
		[]string{"Mohamed", "Youssef", "Rachid", "Said", "Khalid", "Hassan", "Abdel", "Omar"}},
	{"SN", "Z343", false, 10,
		[]string{"Diop", "Ndiaye", "Fall", "Sow", "Diallo", "Gueye", "Faye", "Mbaye", "Sarr", "Cisse"},
		[]string{"Fatou", "Aminata", "Awa", "Mariama", "Khady", "Ndeye", "Coumba", "Astou"},
		[]string{"Mamadou", "Cheikh", "Ousmane", "Abdoulaye", "Modou", "Ibrahima", "Moussa", "Babacar"}},
	{"NG", "Z335", false, 8,
		[]string{"Okafor", "Adeyemi", "Okonkwo", "Eze", "Balogun", "Nwosu", "Adebayo", "Obi", "Okeke", "Ogunleye"},
		[]string{"Ngozi", "Chioma", "Blessing", "Funmilayo", "Adaeze", "Joy", "Precious", "Amaka"},
		[]string{"Chinedu", "Emeka", "Tunde", "Uche", "Ifeanyi", "Segun", "Obinna", "Kelechi"}},
	{"UA", "Z138", false, 8,
		[]string{"Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk", "Boyko", "Oliynyk", "Lysenko", "Marchenko"},
		[]string{"Olena", "Oksana", "Natalia", "Iryna", "Svitlana", "Tetiana", "Halyna", "Larysa"},
		[]string{"Oleksandr", "Andriy", "Serhiy", "Vasyl", "Mykola", "Dmytro", "Yuriy", "Taras"}},
	{"PE", "Z611", false, 6,
		[]string{"Quispe", "Huaman", "Mamani", "Flores", "Rojas", "Chavez", "Torres", "Ramos", "Vargas", "Mendoza"},
		[]string{"Rosa", "Carmen", "Ana", "Luz", "Gladys", "Milagros", "Yesenia", "Pilar"},
		[]string{"Jose", "Luis", "Carlos", "Jorge", "Juan", "Miguel", "Victor", "Cesar"}},
	{"TN", "Z352", false, 6,
		[]string{"Ben Salah", "Trabelsi", "Gharbi", "Jebali", "Mejri", "Hammami", "Sassi", "Ayari", "Khelifi", "Zouari"},
		[]string{"Leila", "Sonia", "Rim", "Ines", "Amel", "Salma", "Nadia", "Hela"},
		[]string{"Mehdi", "Sami", "Walid", "Karim", "Hichem", "Nabil", "Anis", "Ridha"}},
	{"PH", "Z216", false, 5,
		[]string{"Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Dela Cruz", "Villanueva", "Aquino", "Ramirez", "Castillo"},
		[]string{"Maricel", "Jocelyn", "Rowena", "Marites", "Liza", "Grace", "Analyn", "Cherry"},
		[]string{"Mark", "Jerome", "Rolando", "Arnel", "Rodel", "Ramon", "Noel", "Edwin"}},
	{"GE", "Z254", false, 5,
		[]string{"Beridze", "Kapanadze", "Gelashvili", "Maisuradze", "Lomidze", "Tsiklauri", "Abashidze", "Chikovani"},
		[]string{"Nino", "Tamar", "Ketevan", "Mariam", "Natia", "Eka", "Salome", "Maia"},
		[]string{"Giorgi", "Levan", "David", "Irakli", "Nika", "Zurab", "Lasha", "Tornike"}},
	{"LK", "Z209", false, 6,
		[]string{"Perera", "Fernando", "Silva", "Jayasinghe", "Bandara", "Kumara", "Wickramasinghe", "Dissanayake"},
		[]string{"Dilani", "Nadeesha", "Chamari", "Sanduni", "Kumari", "Anoma", "Ishara", "Nilmini"},
		[]string{"Nuwan", "Chaminda", "Ruwan", "Kasun", "Sunil", "Pradeep", "Asanka", "Mahesh"}},
	{"BD", "Z249", false, 6,
		[]string{"Hossain", "Rahman", "Islam", "Ahmed", "Akter", "Uddin", "Sarker", "Chowdhury"},
		[]string{"Nasrin", "Shirin", "Rupa", "Taslima", "Rokeya", "Shapla", "Moushumi", "Sumaiya"},
		[]string{"Rahim", "Shahid", "Jamal", "Mizanur", "Rafiq", "Habib", "Anwar", "Kamal"}},
}

// CountryByISO returns a country of the pools by its ISO code; an unknown code is a bug in
// the caller's tables.
func CountryByISO(iso string) *Country {
	if iso == "IT" {
		return Italy
	}
	for _, c := range foreignCountries {
		if c.ISO == iso {
			return c
		}
	}
	panic("synth: unknown country " + iso)
}

// Municipality is a place of birth or residence, by Belfiore code.
type Municipality struct {
	Belfiore string
	Name     string
	// ThinlyPopulated feeds the rural flag (EECO17). The classification is synthetic;
	// production data would come from the DEGURBA table.
	ThinlyPopulated bool
}

// residence is a municipality of residence with its weight among the people drawn.
type residence struct {
	Municipality
	weight int
}

// zonaPisana are the residences of the Pisa agency's participants, with a weight each.
var zonaPisana = []residence{
	{Municipality{"G702", "Pisa", false}, 55},
	{Municipality{"B950", "Cascina", false}, 16},
	{Municipality{"A562", "San Giuliano Terme", false}, 14},
	{Municipality{"L702", "Vecchiano", true}, 5},
	{Municipality{"B390", "Calci", true}, 4},
	{Municipality{"L850", "Vicopisano", true}, 6},
}

// ZonaPisana lists the municipalities of the Zona Pisana, Pisa first, in the order
// Residence weighs them.
func ZonaPisana() []Municipality {
	out := make([]Municipality, len(zonaPisana))
	for i, r := range zonaPisana {
		out[i] = r.Municipality
	}
	return out
}

// birthplace is an Italian place of birth with its weight among the people drawn.
type birthplace struct {
	belfiore string
	weight   int
}

// italianBirthplaces are the Italian birthplaces of the people drawn: mostly local, some
// from elsewhere in Italy.
var italianBirthplaces = []birthplace{
	{"G702", 50}, {"B950", 6}, {"E625", 6}, {"E715", 5}, {"D612", 5}, {"F839", 8}, {"G273", 6},
	{"H501", 4}, {"H224", 3}, {"A662", 3}, {"C351", 4},
}

// Belfiore codes of the cities whose people are drawn.
const (
	BelfiorePisa   = "G702"
	BelfioreTorino = "L219"
)

var (
	foreignWeights    = weightsOf(foreignCountries, func(c *Country) int { return c.weight })
	residenceWeights  = weightsOf(zonaPisana, func(m residence) int { return m.weight })
	birthplaceWeights = weightsOf(italianBirthplaces, func(b birthplace) int { return b.weight })
)

// Foreign draws a country of origin other than Italy, weighted as among the Zona Pisana's
// participants of foreign origin.
func (r *Rand) Foreign() *Country { return pickWeighted(r, foreignCountries, foreignWeights) }

// Residence draws a municipality of the Zona Pisana, weighted by its share of participants.
func (r *Rand) Residence() Municipality {
	return pickWeighted(r, zonaPisana, residenceWeights).Municipality
}

func (r *Rand) italianBirthplace() string {
	return pickWeighted(r, italianBirthplaces, birthplaceWeights).belfiore
}

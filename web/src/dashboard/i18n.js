// Italian and English labels. The language defaults to the browser's (Italian for any
// it-* locale, English otherwise) and the choice is remembered in localStorage: it is a
// preference, not a credential.

const dictionaries = {
  it: {
    'page.title': 'ponte — cruscotto',
    'app.title': 'Cruscotto ponte',
    'app.subtitle': 'Conteggi dall’API GraphQL pubblica, con il token di chi consulta',
    'skip': 'Vai al contenuto',
    'nav.ide': 'IDE GraphQL',
    'lang.label': 'Lingua',
    'signin.title': 'Accesso',
    'signin.intro':
      'Il cruscotto legge solo l’API GraphQL di questo hub (/graphql) con il tuo token. Token e finalità restano in questa scheda del browser (sessionStorage) e non vengono inviati altrove.',
    'signin.token': 'Token (bearer)',
    'signin.tokenHelp': 'Un token del personale (JWT) o un token di servizio rilasciato con ponte token issue.',
    'signin.purpose': 'Finalità del trattamento (Ponte-Purpose)',
    'signin.purposeDefault': 'l’unica del ruolo',
    'signin.submit': 'Entra',
    'signin.refused': 'Il token non è stato accettato: {reason}',
    'signin.purposeRefused': 'Finalità non concessa a questo token: {reason}',
    'session.as': 'Finalità: {purpose}',
    'session.noPurpose': 'finalità del ruolo',
    'session.signOut': 'Esci',
    'session.reload': 'Aggiorna i dati',
    'state.loading': 'Caricamento…',
    'state.unreachable': 'L’hub non risponde: {reason}',
    'state.error': 'Errore: {reason}',
    'state.forbidden': 'Non disponibile per questo ruolo: {what}',
    'state.detail': 'Risposta dell’hub: {message}',
    'state.empty': 'Nessun dato.',
    'suppressed.short': '< {n}',
    'suppressed.long': 'oscurato (meno di {n}, o ricavabile dai totali)',
    'suppressed.legend':
      '“< {n}”: conteggio oscurato per tutelare la riservatezza — inferiore a {n}, oppure tale da permettere di ricavarne uno dai totali. Non è uno zero.',
    'chart.note': 'I valori oscurati non sono disegnati; i numeri sono nella tabella.',
    'chart.label': 'Grafico: {title}. Gli stessi numeri sono nella tabella che segue.',
    'table.total': 'Totale',
    'table.rowHeader': 'Voce',

    'caseload.title': 'Carico di lavoro: casi',
    'caseload.intro': 'Casi delle organizzazioni del tuo territorio, per stato (caseLoad).',
    'caseload.status': 'Per stato',
    'caseload.organisation': 'Per organizzazione capofila e stato',
    'caseload.department': 'Per servizio coinvolto e stato',
    'caseload.departmentNote':
      'Un caso che coinvolge due servizi conta in entrambe le righe: i totali sono somme delle righe, non numeri di casi.',
    'caseload.forbidden': 'i conteggi dei casi richiedono la finalità statistics o esf_monitoring',
    'caseload.rowStatus': 'Stato',
    'caseload.rowOrganisation': 'Organizzazione',
    'caseload.rowDepartment': 'Servizio',

    'services.title': 'Servizi attivati per annualità',
    'services.intro': 'Interventi di un’annualità FSE+ per tipo di servizio e stato (servicesActivated).',
    'services.round': 'Annualità',
    'services.roundOption': '{code} — annualità {number} (dal {startsOn})',
    'services.noRounds': 'Nessuna annualità visibile con questo token.',
    'services.forbidden': 'i servizi attivati richiedono la finalità statistics o esf_monitoring',
    'services.rowHeader': 'Tipo di servizio',

    'registry.title': 'Aggiornamento delle banche dati',
    'registry.intro': 'Stato di ogni fonte: ultimo aggiornamento riuscito rispetto alla validità massima (registryStatus).',
    'registry.forbidden': 'lo stato delle banche dati',
    'registry.source': 'Fonte',
    'registry.status': 'Stato',
    'registry.lastSuccess': 'Ultimo aggiornamento riuscito',
    'registry.age': 'Età dei dati',
    'registry.maxAge': 'Validità massima',
    'registry.failures': 'Errori nelle ultime 24 ore',
    'registry.breaker': 'Circuito',
    'registry.queue': 'In coda / in corso',
    'registry.never': 'mai',
    'registry.collections': 'Raccolte: {list}',

    'esf.title': 'Indicatori FSE+ per genere',
    'esf.intro':
      'Indicatori comuni di output e di risultato alla data di riferimento, con la completezza dei dati (esfReport). Richiedono il token di un referente del monitoraggio FSE+ (finalità esf_monitoring).',
    'esf.cutoff': 'Data di riferimento',
    'esf.group': 'Programma, priorità, obiettivo specifico, categoria di regione',
    'esf.apply': 'Calcola',
    'esf.forbidden': 'gli indicatori FSE+ richiedono il token di un referente del monitoraggio FSE+ (finalità esf_monitoring)',
    'esf.noGroups': 'Nessun partecipante entro la data di riferimento.',
    'esf.indicator': 'Indicatore',
    'esf.name': 'Descrizione',
    'esf.women': 'Donne',
    'esf.men': 'Uomini',
    'esf.nonBinary': 'Non binari',
    'esf.total': 'Totale',
    'esf.estimated': 'Di cui stimati',
    'esf.notApplicable': 'non applicabile',
    'esf.entityNote': 'EECO18 ed EECO19 contano enti, non persone: solo il totale.',
    'esf.operations': 'Operazioni: {list}',
    'esf.completeness': 'Completezza dei dati',
    'esf.completeShare': 'Record completi: {complete} su {all} ({percent}).',
    'esf.incompleteIntro': 'I partecipanti con dati incompleti sono esclusi da tutti gli indicatori sui partecipanti.',
    'esf.incompleteByGender': 'Partecipanti esclusi per genere',
    'esf.unknownGender': 'Genere ignoto',
    'esf.missingByField': 'Campi mancanti',
    'esf.field': 'Campo',
    'esf.count': 'Partecipanti',
    'esf.chartTitle': 'Indicatori sui partecipanti per genere',

    'status.OPEN': 'Aperti',
    'status.SUSPENDED': 'Sospesi',
    'status.CLOSED': 'Chiusi',
    'status.CASES': 'Casi',
    'status.PLANNED': 'Programmati',
    'status.ACTIVE': 'Attivi',
    'status.COMPLETED': 'Conclusi',
    'status.INTERRUPTED': 'Interrotti',
    'status.NONE': 'Nessun servizio',

    'health.HEALTHY': 'Aggiornata',
    'health.STALE': 'Non aggiornata',
    'health.FAILING': 'In errore',
    'health.NEVER_SYNCED': 'Mai sincronizzata',
    'breaker.CLOSED': 'chiuso (regolare)',
    'breaker.HALF_OPEN': 'in prova',
    'breaker.OPEN': 'aperto (chiamate sospese)',
    'source.BENEFITS': 'Prestazioni (INPS, ISEE)',
    'source.LABOUR': 'Lavoro (CPI, UNILAV)',
    'source.SCHOOL': 'Scuola (ANIST)',

    'service.INTERNSHIP': 'Tirocinio',
    'service.TRAINING_FORKLIFT': 'Corso carrellisti',
    'service.TRAINING_ITALIAN': 'Corso di italiano',
    'service.TRAINING_HACCP': 'Corso HACCP',
    'service.TRAINING_WORKPLACE_SAFETY': 'Corso sicurezza sul lavoro',
    'service.TRAINING_IT': 'Corso di informatica',
    'service.TRAINING_SOFT_SKILLS': 'Corso competenze trasversali',
    'service.HOME_EDUCATION_MINORS': 'Educativa domiciliare minori',
    'service.HOME_CARE': 'Assistenza domiciliare',
    'service.PSYCHOLOGICAL_SUPPORT': 'Sostegno psicologico',
    'service.ORIENTATION': 'Orientamento',
    'service.HOUSING_EMERGENCY': 'Emergenza abitativa',
    'service.OTHER': 'Altro',

    'field.gender': 'genere',
    'field.birth_date': 'data di nascita',
    'field.employment_status': 'condizione occupazionale',
    'field.unemployment_months': 'mesi di disoccupazione',
    'field.isced': 'titolo di studio (ISCED)',

    'region.LESS_DEVELOPED': 'meno sviluppate',
    'region.TRANSITION': 'in transizione',
    'region.MORE_DEVELOPED': 'più sviluppate',

    'time.seconds': '{n} s',
    'time.minutes': '{n} min',
    'time.hours': '{n} h',
    'time.days': '{n} giorni',
  },
  en: {
    'page.title': 'ponte — dashboard',
    'app.title': 'ponte dashboard',
    'app.subtitle': 'Counts from the public GraphQL API, with your own token',
    'skip': 'Skip to content',
    'nav.ide': 'GraphQL IDE',
    'lang.label': 'Language',
    'signin.title': 'Sign in',
    'signin.intro':
      'The dashboard reads only this hub’s GraphQL API (/graphql) with your token. The token and purpose stay in this browser tab (sessionStorage) and are sent nowhere else.',
    'signin.token': 'Token (bearer)',
    'signin.tokenHelp': 'A staff token (JWT) or a service token issued with ponte token issue.',
    'signin.purpose': 'Purpose of use (Ponte-Purpose)',
    'signin.purposeDefault': 'the role’s only purpose',
    'signin.submit': 'Sign in',
    'signin.refused': 'The token was not accepted: {reason}',
    'signin.purposeRefused': 'Purpose not granted to this token: {reason}',
    'session.as': 'Purpose: {purpose}',
    'session.noPurpose': 'the role’s purpose',
    'session.signOut': 'Sign out',
    'session.reload': 'Reload data',
    'state.loading': 'Loading…',
    'state.unreachable': 'The hub does not answer: {reason}',
    'state.error': 'Error: {reason}',
    'state.forbidden': 'Not available for this role: {what}',
    'state.detail': 'The hub said: {message}',
    'state.empty': 'No data.',
    'suppressed.short': '< {n}',
    'suppressed.long': 'suppressed (fewer than {n}, or derivable from the totals)',
    'suppressed.legend':
      '“< {n}”: a count suppressed for confidentiality — below {n}, or one that would let such a count be worked out from the totals. It is not a zero.',
    'chart.note': 'Suppressed values are not drawn; the numbers are in the table.',
    'chart.label': 'Chart: {title}. The same numbers are in the table that follows.',
    'table.total': 'Total',
    'table.rowHeader': 'Item',

    'caseload.title': 'Case load',
    'caseload.intro': 'Cases of the organisations of your territory, by status (caseLoad).',
    'caseload.status': 'By status',
    'caseload.organisation': 'By leading organisation and status',
    'caseload.department': 'By department involved and status',
    'caseload.departmentNote':
      'A case involving two departments counts in both rows: the totals are sums of the rows, not numbers of cases.',
    'caseload.forbidden': 'case counts need the statistics or esf_monitoring purpose',
    'caseload.rowStatus': 'Status',
    'caseload.rowOrganisation': 'Organisation',
    'caseload.rowDepartment': 'Department',

    'services.title': 'Services activated per round',
    'services.intro': 'Interventions of an ESF+ funding round by service type and status (servicesActivated).',
    'services.round': 'Round',
    'services.roundOption': '{code} — round {number} (from {startsOn})',
    'services.noRounds': 'No round is visible with this token.',
    'services.forbidden': 'services activated need the statistics or esf_monitoring purpose',
    'services.rowHeader': 'Service type',

    'registry.title': 'Registry freshness',
    'registry.intro': 'Each source’s last successful sync against its maximum age (registryStatus).',
    'registry.forbidden': 'the registries’ status',
    'registry.source': 'Source',
    'registry.status': 'Status',
    'registry.lastSuccess': 'Last successful sync',
    'registry.age': 'Data age',
    'registry.maxAge': 'Maximum age',
    'registry.failures': 'Failures in the last 24 hours',
    'registry.breaker': 'Circuit breaker',
    'registry.queue': 'Queued / running',
    'registry.never': 'never',
    'registry.collections': 'Collections: {list}',

    'esf.title': 'ESF+ indicators by gender',
    'esf.intro':
      'Common output and result indicators at the cut-off date, with the completeness of the records (esfReport). They need an ESF+ monitoring officer’s token (purpose esf_monitoring).',
    'esf.cutoff': 'Cut-off date',
    'esf.group': 'Programme, priority, specific objective, category of region',
    'esf.apply': 'Compute',
    'esf.forbidden': 'the ESF+ indicators need an ESF+ monitoring officer’s token (purpose esf_monitoring)',
    'esf.noGroups': 'No participant by the cut-off date.',
    'esf.indicator': 'Indicator',
    'esf.name': 'Name',
    'esf.women': 'Women',
    'esf.men': 'Men',
    'esf.nonBinary': 'Non-binary',
    'esf.total': 'Total',
    'esf.estimated': 'Of which estimated',
    'esf.notApplicable': 'not applicable',
    'esf.entityNote': 'EECO18 and EECO19 count entities, not people: total only.',
    'esf.operations': 'Operations: {list}',
    'esf.completeness': 'Completeness of the records',
    'esf.completeShare': 'Complete records: {complete} of {all} ({percent}).',
    'esf.incompleteIntro': 'Participants with incomplete records are excluded from every participant indicator.',
    'esf.incompleteByGender': 'Excluded participants by gender',
    'esf.unknownGender': 'Unknown gender',
    'esf.missingByField': 'Missing fields',
    'esf.field': 'Field',
    'esf.count': 'Participants',
    'esf.chartTitle': 'Participant indicators by gender',

    'status.OPEN': 'Open',
    'status.SUSPENDED': 'Suspended',
    'status.CLOSED': 'Closed',
    'status.CASES': 'Cases',
    'status.PLANNED': 'Planned',
    'status.ACTIVE': 'Active',
    'status.COMPLETED': 'Completed',
    'status.INTERRUPTED': 'Interrupted',
    'status.NONE': 'No department',

    'health.HEALTHY': 'Up to date',
    'health.STALE': 'Stale',
    'health.FAILING': 'Failing',
    'health.NEVER_SYNCED': 'Never synced',
    'breaker.CLOSED': 'closed (normal)',
    'breaker.HALF_OPEN': 'half open (probing)',
    'breaker.OPEN': 'open (calls held)',
    'source.BENEFITS': 'Benefits (INPS, ISEE)',
    'source.LABOUR': 'Labour (employment centres, UNILAV)',
    'source.SCHOOL': 'School (ANIST)',

    'service.INTERNSHIP': 'Internship',
    'service.TRAINING_FORKLIFT': 'Forklift training',
    'service.TRAINING_ITALIAN': 'Italian course',
    'service.TRAINING_HACCP': 'HACCP training',
    'service.TRAINING_WORKPLACE_SAFETY': 'Workplace safety training',
    'service.TRAINING_IT': 'IT course',
    'service.TRAINING_SOFT_SKILLS': 'Soft skills course',
    'service.HOME_EDUCATION_MINORS': 'Home education for minors',
    'service.HOME_CARE': 'Home care',
    'service.PSYCHOLOGICAL_SUPPORT': 'Psychological support',
    'service.ORIENTATION': 'Orientation',
    'service.HOUSING_EMERGENCY': 'Housing emergency',
    'service.OTHER': 'Other',

    'field.gender': 'gender',
    'field.birth_date': 'birth date',
    'field.employment_status': 'employment status',
    'field.unemployment_months': 'months of unemployment',
    'field.isced': 'education (ISCED)',

    'region.LESS_DEVELOPED': 'less developed',
    'region.TRANSITION': 'transition',
    'region.MORE_DEVELOPED': 'more developed',

    'time.seconds': '{n} s',
    'time.minutes': '{n} min',
    'time.hours': '{n} h',
    'time.days': '{n} days',
  },
};

// Names of the ESF+ common indicators in Italian (Regulation (EU) 2021/1057, Annex I);
// in English the API's own names are shown.
const indicatorNamesIt = {
  EECO01: 'numero totale di partecipanti',
  EECO02: 'disoccupati, compresi i disoccupati di lungo periodo',
  EECO03: 'disoccupati di lungo periodo',
  EECO04: 'persone inattive',
  EECO05: 'persone che hanno un lavoro, compresi i lavoratori autonomi',
  EECO06: 'minori di 18 anni',
  EECO07: 'giovani di età compresa tra i 18 e i 29 anni',
  EECO08: 'partecipanti di età pari o superiore a 55 anni',
  EECO09: 'titolari di un diploma di istruzione secondaria inferiore o inferiore (ISCED 0-2)',
  EECO10: 'titolari di un diploma di istruzione secondaria superiore o post-secondaria non terziaria (ISCED 3-4)',
  EECO11: 'titolari di un diploma di istruzione terziaria (ISCED 5-8)',
  EECO12: 'partecipanti con disabilità',
  EECO13: 'cittadini di paesi terzi',
  EECO14: 'partecipanti di origine straniera',
  EECO15: 'minoranze (comprese le comunità emarginate come i rom)',
  EECO16: 'persone senza tetto o colpite da esclusione abitativa',
  EECO17: 'partecipanti provenienti da zone rurali',
  EECO18: 'pubbliche amministrazioni o servizi pubblici sostenuti',
  EECO19: 'micro, piccole e medie imprese (comprese cooperative e imprese sociali) sostenute',
  EECR01: 'partecipanti che cercano un lavoro alla fine della partecipazione',
  EECR02: 'partecipanti che intraprendono studi o formazione alla fine della partecipazione',
  EECR03: 'partecipanti che ottengono una qualifica alla fine della partecipazione',
  EECR04: 'partecipanti che hanno un lavoro, anche autonomo, alla fine della partecipazione',
  EECR05: 'partecipanti che hanno un lavoro, anche autonomo, sei mesi dopo la fine della partecipazione',
};

export const languages = { it: 'Italiano', en: 'English' };

const languageKey = 'ponte.dashboard.lang';
let current = initialLanguage();

function initialLanguage() {
  const saved = localStorage.getItem(languageKey);
  if (saved && dictionaries[saved]) return saved;
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const base = String(tag || '').toLowerCase().split('-')[0];
    if (dictionaries[base]) return base;
  }
  return 'en';
}

export function language() {
  return current;
}

export function setLanguage(lang) {
  if (!dictionaries[lang]) return;
  current = lang;
  localStorage.setItem(languageKey, lang);
}

// t looks a label up in the current language and fills its {placeholders}.
export function t(key, params = {}) {
  const text = dictionaries[current][key] ?? dictionaries.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

// label translates an API enum value (a status, a service type …) when it knows it, and
// keeps the API's own label otherwise: a new value shows up rather than disappearing.
export function label(prefix, key, fallback) {
  const k = `${prefix}.${key}`;
  return k in dictionaries[current] ? dictionaries[current][k] : (fallback ?? key);
}

export function indicatorName(code, apiName) {
  return current === 'it' ? (indicatorNamesIt[code] ?? apiName) : apiName;
}

const formats = {};
export function formatNumber(n) {
  formats[current] ??= new Intl.NumberFormat(current === 'it' ? 'it-IT' : 'en-GB');
  return formats[current].format(n);
}

export function formatPercent(share) {
  return new Intl.NumberFormat(current === 'it' ? 'it-IT' : 'en-GB', { style: 'percent', maximumFractionDigits: 1 }).format(share);
}

export function formatDateTime(iso) {
  return new Intl.DateTimeFormat(current === 'it' ? 'it-IT' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function formatDate(isoDate) {
  // A GraphQL Date (YYYY-MM-DD) is a calendar day: formatted in UTC so that no time zone moves it.
  return new Intl.DateTimeFormat(current === 'it' ? 'it-IT' : 'en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${isoDate}T00:00:00Z`));
}

export function formatDuration(seconds) {
  if (seconds < 120) return t('time.seconds', { n: formatNumber(Math.round(seconds)) });
  if (seconds < 7200) return t('time.minutes', { n: formatNumber(Math.round(seconds / 60)) });
  if (seconds < 172800) return t('time.hours', { n: formatNumber(Math.round(seconds / 3600)) });
  return t('time.days', { n: formatNumber(Math.round(seconds / 86400)) });
}

/** B2B SaaS scale-ups: the second active ICP (100–2,000 employees, Series B–D). */
import type { Site } from './types.ts';

const shipwise: Site = {
  domain: 'shipwise-cloud.example',
  name: 'ShipWise',
  legalName: 'ShipWise Technologies, Inc.',
  theme: 'utility',
  fit: 'b2b-saas-scaleups',
  color: '#2563eb',
  tagline: 'The transportation management system shippers actually like using.',
  foundingDate: '2016-02-01',
  employees: 420,
  address: { street: '501 Congress Avenue, Floor 9', city: 'Austin', region: 'TX', postalCode: '78701', country: 'US' },
  sameAs: ['https://www.linkedin.com/company/shipwise-cloud', 'https://twitter.com/shipwisecloud', 'https://github.com/shipwise-cloud'],
  trackers: ['gtm', 'segment', 'intercom', 'hubspot', 'stripe'],
  pages: [
    {
      file: 'index.html',
      title: 'ShipWise — Cloud TMS for Shippers',
      description: 'ShipWise is a cloud transportation management system: rate shopping, tendering, tracking and freight audit for mid-market shippers.',
      blocks: [
        { kind: 'hero', eyebrow: 'Cloud TMS', headline: 'Ship smarter. Spend less on freight.', subhead: 'ShipWise is the cloud transportation management system that connects your ERP, your carriers and your docks in one place.', cta: { label: 'Start free trial', href: 'https://shipwise-cloud.example/pricing' }, secondary: { label: 'Book a demo', href: 'https://shipwise-cloud.example/contact' } },
        { kind: 'stats', items: [['4,200', 'shippers'], ['31M', 'shipments a year'], ['11%', 'average freight savings'], ['99.99%', 'uptime']] },
        {
          kind: 'features',
          title: 'Everything your freight team needs',
          items: [
            { title: 'Rate shopping', body: 'Compare LTL, FTL and parcel rates from 900 carriers in one click.' },
            { title: 'Tendering & tracking', body: 'Automated tenders and real-time tracking with ELD and API feeds.' },
            { title: 'Freight audit', body: 'Match every carrier invoice against the quoted rate before it reaches accounts payable.' },
            { title: 'ERP connectors', body: 'Native connectors for NetSuite, SAP Business One and Microsoft Dynamics 365.' },
          ],
        },
        { kind: 'logos', title: 'Trusted by shippers like', names: ['Hallett Industrial', 'Sunbelt Beverage', 'Crestline Appliances', 'Prairie Gold Poultry', 'Nova Home Goods'] },
        { kind: 'testimonials', items: [{ quote: 'ShipWise paid for itself in the first quarter. We found $400K in duplicate carrier invoices alone.', name: 'Daniel Osei', role: 'Director of Transportation', company: 'Sunbelt Beverage' }] },
      ],
    },
    {
      file: 'about.html',
      nav: 'Company',
      title: 'About ShipWise',
      description: 'ShipWise company overview.',
      blocks: [
        {
          kind: 'prose',
          title: 'We build software for the people who move freight',
          paragraphs: [
            'ShipWise was founded in Austin, Texas in 2016 by two former freight brokers who were tired of booking loads in spreadsheets.',
            'Today ShipWise has 420 employees in Austin, Chicago and Toronto, and our cloud TMS is used by 4,200 shippers across North America.',
            'We are backed by Northgate Ventures, Lonestar Growth and Ridgeline Capital, and have raised $112 million to date.',
          ],
        },
        { kind: 'facts', title: 'Company facts', items: [['Founded', '2016'], ['Headquarters', 'Austin, Texas'], ['Employees', '420'], ['Funding', 'Series C']] },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Pricing',
      title: 'Pricing — ShipWise',
      description: 'ShipWise plans and pricing.',
      blocks: [
        {
          kind: 'tiers',
          title: 'Plans that grow with your freight',
          tiers: [
            { name: 'Starter', price: '$499', period: '/month', blurb: 'For teams shipping up to 500 loads a month', features: ['Rate shopping', 'Tracking', '3 users'] },
            { name: 'Growth', price: '$1,490', period: '/month', blurb: 'For multi-site shippers', features: ['Everything in Starter', 'Freight audit', 'NetSuite connector', '25 users'], highlight: true },
            { name: 'Enterprise', price: 'Custom', blurb: 'For complex networks', features: ['SSO and SCIM', 'SAP and Dynamics connectors', 'Dedicated CSM'] },
          ],
          note: 'All plans billed annually. 14-day free trial, no credit card required.',
        },
        { kind: 'faq', items: [['Is ShipWise SOC 2 compliant?', 'Yes. ShipWise is SOC 2 Type II audited every year, and our report is available under NDA.'], ['Do you charge per shipment?', 'No. Plans are priced per month with unlimited shipments within the plan band.']] },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers at ShipWise',
      description: 'Open roles at ShipWise.',
      blocks: [
        {
          kind: 'roles',
          intro: 'We are hiring across engineering, go-to-market and finance.',
          roles: [
            { title: 'Head of Finance Operations', department: 'Finance', location: 'Austin, TX' },
            { title: 'Senior Accountant', department: 'Finance', location: 'Austin, TX' },
            { title: 'Staff Software Engineer, Rating', department: 'Engineering', location: 'Remote (US/Canada)' },
            { title: 'Enterprise Account Executive', department: 'Sales', location: 'Chicago, IL' },
            { title: 'Customer Success Manager', department: 'Customer Success', location: 'Toronto, ON' },
          ],
          perks: ['Equity for every employee', 'Remote-friendly', '$2,000 learning budget'],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'Blog',
      title: 'News & Blog — ShipWise',
      description: 'ShipWise news.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-09-17', title: 'ShipWise raises $60M Series C led by Northgate Ventures', body: ['The round will fund our expansion into Mexico and the launch of ShipWise Audit, our freight audit and pay product.'] },
            { date: '2026-04-08', title: 'ShipWise completes SOC 2 Type II audit for the third year', body: ['Our annual SOC 2 Type II report is available to customers and prospects under NDA.'] },
            { date: '2025-12-01', title: 'Toronto office opens', body: ['Our first office outside the US opened in Toronto with 35 employees.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers — ShipWise',
      description: 'ShipWise customer stories.',
      blocks: [
        {
          kind: 'stories',
          items: [
            { company: 'Sunbelt Beverage', industry: 'Beverage distribution', summary: 'Moved 60,000 loads a year from spreadsheets to ShipWise.', result: '$400K in duplicate invoices caught in year one.' },
            { company: 'Hallett Industrial', industry: 'Manufacturing', summary: 'Connected ShipWise to NetSuite for three plants.', result: 'Freight costs landed on the right GL account automatically.' },
          ],
        },
      ],
    },
    {
      file: 'contact.html',
      title: 'Contact — ShipWise',
      description: 'Book a demo.',
      blocks: [{ kind: 'contact', offices: [{ label: 'Austin HQ', lines: ['501 Congress Avenue, Floor 9', 'Austin, TX 78701'] }], email: 'sales@shipwise-cloud.example' }],
    },
  ],
};

const quillstack: Site = {
  domain: 'quillstack.example',
  name: 'Quillstack',
  legalName: 'Quillstack Software Inc.',
  theme: 'semantic',
  fit: 'b2b-saas-scaleups',
  color: '#9333ea',
  tagline: 'Contract lifecycle management for legal and sales teams.',
  foundingDate: '2018-05-01',
  employees: 310,
  address: { street: '225 King Street West, Suite 1200', city: 'Toronto', region: 'ON', postalCode: 'M5V 3M2', country: 'CA' },
  sameAs: ['https://www.linkedin.com/company/quillstack', 'https://twitter.com/quillstack'],
  trackers: ['gtm', 'segment', 'drift', 'stripe'],
  pages: [
    {
      file: 'index.html',
      title: 'Quillstack | Contract Lifecycle Management Platform',
      description: 'Draft, negotiate, sign and track contracts in one platform. Quillstack CLM for in-house legal and sales teams.',
      blocks: [
        { kind: 'hero', headline: 'Contracts without the chaos.', subhead: 'Quillstack is the contract lifecycle management platform that takes a deal from first draft to signature to renewal, without a single email attachment.', cta: { label: 'See Quillstack in action', href: '/contact' } },
        { kind: 'stats', items: [['900+', 'legal teams'], ['2.3M', 'contracts signed'], ['62%', 'faster turnaround']] },
        {
          kind: 'features',
          items: [
            { title: 'Template library', body: 'Self-serve NDAs and order forms your sales team can generate without legal.' },
            { title: 'Redlining', body: 'Negotiate in the browser with tracked changes and clause fallbacks.' },
            { title: 'Obligations tracking', body: 'Renewal dates, price escalators and SLAs pulled out of every signed contract.' },
            { title: 'Salesforce & HubSpot', body: 'Launch contracts from the opportunity and sync status back automatically.' },
          ],
        },
        { kind: 'logos', title: 'Legal teams that use Quillstack', names: ['Borealis Pharma', 'Maple Leaf Credit Union', 'Vantage Media', 'Fernhill Games'] },
        { kind: 'testimonials', items: [{ quote: 'Quillstack cut our NDA turnaround from four days to forty minutes.', name: 'Sophie Laurent', role: 'General Counsel', company: 'Fernhill Games' }] },
      ],
    },
    {
      file: 'about.html',
      nav: 'About',
      title: 'About | Quillstack',
      description: 'About Quillstack.',
      blocks: [
        {
          kind: 'prose',
          paragraphs: [
            'Quillstack was founded in Toronto in 2018 by a former Bay Street lawyer and a former Shopify engineer.',
            'We are a team of 310 people in Toronto, Montreal and London, building contract lifecycle management software for in-house legal teams.',
            'In 2025 we raised a US$38 million Series B led by Harbourfront Ventures, with participation from existing investors.',
          ],
        },
        { kind: 'people', title: 'Leadership', items: [{ name: 'Amara Okafor', role: 'Co-founder & CEO' }, { name: 'Liam Chen', role: 'Co-founder & CTO' }, { name: 'Rachel Stein', role: 'VP Finance' }] },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Pricing',
      title: 'Pricing | Quillstack',
      description: 'Quillstack pricing.',
      blocks: [
        {
          kind: 'tiers',
          tiers: [
            { name: 'Team', price: '$45', period: 'per user / month', features: ['Templates and e-signature', 'Up to 10 users'] },
            { name: 'Business', price: '$85', period: 'per user / month', features: ['Redlining', 'Salesforce integration', 'Obligations tracking'], highlight: true },
            { name: 'Enterprise', price: 'Talk to us', features: ['SSO', 'Data residency in Canada, US or EU', 'Custom workflows'] },
          ],
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers | Quillstack',
      description: 'Join Quillstack.',
      blocks: [
        {
          kind: 'roles',
          roles: [
            { title: 'Finance Operations Manager', department: 'Finance', location: 'Toronto' },
            { title: 'Senior Product Designer', department: 'Product', location: 'Toronto or Montreal' },
            { title: 'Account Executive, UK', department: 'Sales', location: 'London' },
            { title: 'Backend Engineer (Elixir)', department: 'Engineering', location: 'Remote, Canada' },
          ],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'News',
      title: 'News | Quillstack',
      description: 'News.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-06-24', title: 'Quillstack opens London office', body: ['Our London office is the first step in our expansion into the UK and Europe.'] },
            { date: '2025-10-29', title: 'Quillstack raises US$38M Series B', body: ['Harbourfront Ventures led the round. The funding will expand our product and engineering teams.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers | Quillstack',
      description: 'Customers.',
      blocks: [
        { kind: 'stories', items: [{ company: 'Fernhill Games', summary: 'Publishing and licensing agreements for 40 game studios.', result: 'NDA turnaround from 4 days to 40 minutes.' }, { company: 'Maple Leaf Credit Union', summary: 'Vendor contract repository and renewals for 1,200 supplier agreements.' }] },
      ],
    },
    {
      file: 'team.html',
      nav: 'Team',
      title: 'Team | Quillstack',
      description: 'The people behind Quillstack.',
      blocks: [
        {
          kind: 'people',
          title: 'Meet the team',
          items: [
            { name: 'Amara Okafor', role: 'Co-founder & CEO', bio: 'Previously a commercial litigator on Bay Street.' },
            { name: 'Liam Chen', role: 'Co-founder & CTO', bio: 'Previously a staff engineer at Shopify.' },
            { name: 'Rachel Stein', role: 'VP Finance', bio: 'Runs finance, procurement and our NetSuite instance.' },
            { name: 'Omar Haddad', role: 'VP Sales, EMEA' },
          ],
        },
      ],
    },
    {
      file: 'contact.html',
      title: 'Contact | Quillstack',
      description: 'Contact Quillstack.',
      blocks: [{ kind: 'contact', offices: [{ label: 'Toronto', lines: ['225 King Street West, Suite 1200', 'Toronto, ON M5V 3M2'] }, { label: 'London', lines: ['20 Farringdon Road', 'London EC1M 3HE'] }], email: 'sales@quillstack.example' }],
    },
  ],
};

const beacon: Site = {
  domain: 'beaconhq.example',
  name: 'BeaconHQ',
  legalName: 'Beacon HQ Ltd',
  theme: 'wordpress',
  fit: 'b2b-saas-scaleups',
  color: '#dc2626',
  tagline: 'The customer success platform for B2B teams.',
  foundingDate: '2017-09-01',
  employees: 540,
  address: { street: '1 Finsbury Avenue', city: 'London', postalCode: 'EC2M 2PF', country: 'GB' },
  sameAs: ['https://www.linkedin.com/company/beaconhq', 'https://twitter.com/beaconhq', 'https://www.youtube.com/@beaconhq'],
  trackers: ['gtm', 'hubspot', 'intercom', 'linkedin', 'onetrust'],
  robots: 'User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\nSitemap: https://beaconhq.example/wp-sitemap.xml\n',
  pages: [
    {
      file: 'index.html',
      title: 'BeaconHQ - Customer Success Platform',
      description: 'Health scores, playbooks and renewals forecasting for B2B customer success teams.',
      blocks: [
        { kind: 'hero', headline: 'See churn coming. Stop it.', subhead: 'BeaconHQ is the customer success platform that turns product usage, support tickets and CRM data into health scores your team can act on.', cta: { label: 'Get a demo', href: 'https://beaconhq.example/contact/' } },
        { kind: 'stats', items: [['1,800', 'B2B companies'], ['£9B', 'in renewals managed'], ['23%', 'less churn on average']] },
        {
          kind: 'features',
          items: [
            { title: 'Health scores', body: 'Blend usage, support and sentiment signals into one customer health score.' },
            { title: 'Playbooks', body: 'Automate onboarding, QBRs and renewal outreach.' },
            { title: 'Renewal forecasting', body: 'Forecast gross and net retention down to the account.' },
          ],
        },
        { kind: 'logos', title: 'Loved by CS teams at', names: ['Kiln Analytics', 'Pipewright', 'Northbeam Payroll', 'Tallis Health'] },
        { kind: 'testimonials', items: [{ quote: 'BeaconHQ is the first tool my CSMs open every morning.', name: 'Hannah Wright', role: 'VP Customer Success', company: 'Northbeam Payroll' }] },
      ],
    },
    {
      file: 'about.html',
      nav: 'About',
      title: 'About BeaconHQ',
      description: 'About us.',
      blocks: [
        {
          kind: 'prose',
          paragraphs: [
            'BeaconHQ was founded in London in 2017. We now employ 540 people across London, Lisbon and New York.',
            'BeaconHQ is a B2B SaaS platform for customer success teams, used by 1,800 companies in 40 countries.',
            'We are SOC 2 Type II and ISO 27001 certified, and host customer data in AWS regions in the EU and US.',
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Pricing',
      title: 'Pricing - BeaconHQ',
      description: 'Pricing.',
      blocks: [
        {
          kind: 'tiers',
          tiers: [
            { name: 'Essentials', price: '£1,200', period: 'per month', features: ['Up to 500 accounts', 'Health scores', '5 CSM seats'] },
            { name: 'Professional', price: '£2,900', period: 'per month', features: ['Up to 2,500 accounts', 'Playbooks', 'Salesforce sync'], highlight: true },
            { name: 'Enterprise', price: 'Contact sales', features: ['Unlimited accounts', 'Renewal forecasting', 'EU or US data residency'] },
          ],
          note: 'Prices exclude VAT and are billed annually.',
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers - BeaconHQ',
      description: 'Careers.',
      blocks: [
        {
          kind: 'roles',
          roles: [
            { title: 'Financial Controller', department: 'Finance', location: 'London' },
            { title: 'Accounts Payable Specialist', department: 'Finance', location: 'Lisbon' },
            { title: 'Head of Finance, North America', department: 'Finance', location: 'New York' },
            { title: 'Senior Data Engineer', department: 'Engineering', location: 'Lisbon' },
            { title: 'Mid-Market Account Executive', department: 'Sales', location: 'New York' },
          ],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'Newsroom',
      title: 'Newsroom - BeaconHQ',
      description: 'Newsroom.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-10-20', title: 'BeaconHQ raises £55M Series C to expand in North America', body: ['The Series C was led by Thameside Growth Partners. BeaconHQ will triple its New York team over the next year.'] },
            { date: '2026-05-05', title: 'New York office opens', body: ['BeaconHQ opened its first US office in New York with 40 employees.'] },
            { date: '2025-11-12', title: 'ISO 27001 certification', body: ['BeaconHQ is now ISO 27001 certified, adding to our SOC 2 Type II report.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers - BeaconHQ',
      description: 'Customers.',
      blocks: [
        { kind: 'stories', items: [{ company: 'Northbeam Payroll', summary: 'Health scores across 9,000 SMB accounts.', result: 'Gross churn down from 14% to 9%.' }, { company: 'Tallis Health', summary: 'Renewal forecasting for a healthcare SaaS company.' }] },
      ],
    },
    {
      file: 'contact.html',
      title: 'Contact - BeaconHQ',
      description: 'Contact BeaconHQ.',
      blocks: [{ kind: 'contact', offices: [{ label: 'London', lines: ['1 Finsbury Avenue', 'London EC2M 2PF'] }, { label: 'New York', lines: ['110 Greene Street', 'New York, NY 10012'] }], email: 'hello@beaconhq.example' }],
    },
  ],
};

const formation: Site = {
  domain: 'formation-data.example',
  name: 'Formation',
  legalName: 'Formation Data GmbH',
  theme: 'semantic',
  fit: 'b2b-saas-scaleups',
  color: '#0891b2',
  tagline: 'Managed data pipelines for analytics teams.',
  foundingDate: '2019-03-01',
  employees: 260,
  address: { street: 'Rosenthaler Straße 40', city: 'Berlin', postalCode: '10178', country: 'DE' },
  sameAs: ['https://www.linkedin.com/company/formation-data', 'https://github.com/formation-data', 'https://twitter.com/formationdata'],
  trackers: ['plausible', 'segment', 'intercom'],
  pages: [
    {
      file: 'index.html',
      title: 'Formation — Managed Data Pipelines',
      description: 'Formation moves data from 350 SaaS sources into your warehouse. Cloud software for analytics engineers.',
      blocks: [
        { kind: 'hero', headline: 'Your data, in your warehouse, on time.', subhead: 'Formation is cloud software that syncs 350 sources into Snowflake, BigQuery and Databricks, with schema changes handled for you.', cta: { label: 'Start for free', href: '/pricing' } },
        { kind: 'stats', items: [['350', 'connectors'], ['2,400', 'data teams'], ['1.2 trillion', 'rows synced per month']] },
        {
          kind: 'features',
          items: [
            { title: 'Connectors', body: 'Pre-built connectors for CRMs, ERPs, ad platforms and databases.' },
            { title: 'Schema evolution', body: 'New columns and tables appear in your warehouse without broken jobs.' },
            { title: 'EU hosting', body: 'Process data in Frankfurt or Dublin to keep it in the EU.' },
          ],
        },
        { kind: 'logos', title: 'Data teams at', names: ['Zalenta', 'Nordlicht Energie', 'Kiln Analytics', 'Brightside Retail Group'] },
      ],
    },
    {
      file: 'about.html',
      nav: 'Company',
      title: 'Company — Formation',
      description: 'About Formation.',
      blocks: [
        {
          kind: 'prose',
          paragraphs: [
            'Formation was started in Berlin in 2019 by three data engineers who spent too many nights fixing broken ETL jobs.',
            'We are 260 people today, most of us in Berlin, with a sales team in Amsterdam and a growing team in Boston.',
            'Formation raised a €30 million Series B in 2026, led by Spree Capital, and is backed by Northgate Ventures.',
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Pricing',
      title: 'Pricing — Formation',
      description: 'Usage-based pricing.',
      blocks: [
        {
          kind: 'tiers',
          intro: 'Usage-based pricing: you pay for monthly active rows, not for connectors or seats.',
          tiers: [
            { name: 'Free', price: '€0', features: ['Up to 500,000 monthly active rows', '5 connectors'] },
            { name: 'Standard', price: '€2', period: 'per 1M active rows', features: ['All connectors', '15-minute syncs'], highlight: true },
            { name: 'Enterprise', price: 'Custom', features: ['5-minute syncs', 'Private networking', 'SSO'] },
          ],
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Jobs',
      title: 'Jobs — Formation',
      description: 'Jobs.',
      blocks: [
        {
          kind: 'roles',
          roles: [
            { title: 'Head of Finance', department: 'Finance', location: 'Berlin' },
            { title: 'Senior Connector Engineer (Go)', department: 'Engineering', location: 'Berlin / remote EU' },
            { title: 'Account Executive, DACH', department: 'Sales', location: 'Berlin' },
            { title: 'Solutions Engineer', department: 'Sales', location: 'Boston' },
          ],
        },
      ],
    },
    {
      file: 'blog.html',
      nav: 'Blog',
      title: 'Blog — Formation',
      description: 'Blog.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-07-02', title: 'Formation raises €30M Series B', body: ['Spree Capital led our €30 million Series B. We will use it to open our Boston office and build real-time connectors.'] },
            { date: '2026-03-10', title: 'We are SOC 2 Type II', body: ['Formation has completed its first SOC 2 Type II audit.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers — Formation',
      description: 'Customers.',
      blocks: [{ kind: 'stories', items: [{ company: 'Nordlicht Energie', summary: 'SAP and Salesforce data landed in Snowflake every 15 minutes.', result: '40 hours a month of pipeline maintenance saved.' }] }],
    },
  ],
};

const rosterly: Site = {
  domain: 'rosterly.example',
  name: 'Rosterly',
  legalName: 'Rosterly Technologies Ltd',
  theme: 'bootstrap',
  fit: 'b2b-saas-scaleups',
  color: '#16a34a',
  tagline: 'Shift scheduling for hourly workforces.',
  foundingDate: '2017-01-01',
  employees: 180,
  address: { street: '6 Hanover Quay', city: 'Dublin', postalCode: 'D02 XE80', country: 'IE' },
  sameAs: ['https://www.linkedin.com/company/rosterly', 'https://twitter.com/rosterlyhq'],
  trackers: ['ga4', 'hubspot', 'hotjar'],
  pages: [
    {
      file: 'index.html',
      title: 'Rosterly | Workforce Scheduling Software',
      description: 'Rosterly builds shift schedules, tracks time and exports payroll for retail, hospitality and logistics employers.',
      blocks: [
        { kind: 'hero', headline: 'Schedules in minutes, not Sunday nights.', subhead: 'Rosterly is workforce scheduling software for employers with hourly staff: rotas, shift swaps, time clocks and payroll exports.', cta: { label: 'Try Rosterly free', href: 'pricing.html' } },
        { kind: 'stats', items: [['6,000', 'workplaces'], ['450,000', 'shift workers'], ['4.8/5', 'on app stores']] },
        {
          kind: 'features',
          items: [
            { title: 'Auto-scheduling', body: 'Build compliant rotas from demand forecasts and availability.' },
            { title: 'Time & attendance', body: 'Clock in on a phone or a kiosk with geofencing.' },
            { title: 'Payroll export', body: 'Send approved hours to Sage, Xero, ADP or BrightPay.' },
          ],
        },
        { kind: 'logos', title: 'Used by teams at', names: ['Doherty Hotels', 'Emerald Retail', 'Polderport Logistics', 'Greenway Cafés'] },
      ],
    },
    {
      file: 'about.html',
      nav: 'About',
      title: 'About | Rosterly',
      description: 'About Rosterly.',
      blocks: [
        {
          kind: 'prose',
          paragraphs: [
            'Rosterly is a Dublin-headquartered software company founded in 2017. Our 180 employees work from Dublin, Manchester and Amsterdam.',
            'Rosterly raised a €24 million Series B in 2025 led by Liffey Partners.',
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Pricing',
      title: 'Pricing | Rosterly',
      description: 'Per-employee pricing.',
      blocks: [
        {
          kind: 'tiers',
          tiers: [
            { name: 'Basic', price: '€3', period: 'per employee / month', features: ['Scheduling', 'Shift swaps'] },
            { name: 'Pro', price: '€5', period: 'per employee / month', features: ['Time & attendance', 'Payroll export'], highlight: true },
            { name: 'Enterprise', price: 'Contact us', features: ['Demand forecasting', 'API'] },
          ],
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers | Rosterly',
      description: 'Careers.',
      blocks: [
        {
          kind: 'roles',
          roles: [
            { title: 'Finance Operations Manager', department: 'Finance', location: 'Dublin' },
            { title: 'Billing Analyst', department: 'Finance', location: 'Dublin' },
            { title: 'Android Engineer', department: 'Engineering', location: 'Dublin' },
            { title: 'Account Executive, Benelux', department: 'Sales', location: 'Amsterdam' },
          ],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'News',
      title: 'News | Rosterly',
      description: 'News.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-04-22', title: 'Rosterly opens Amsterdam office', body: ['Our Amsterdam office will serve customers in the Netherlands, Belgium and Germany.'] },
            { date: '2025-09-16', title: 'Rosterly raises €24M Series B', body: ['Liffey Partners led the round, with participation from Atlantic Bridge.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers | Rosterly',
      description: 'Customers.',
      blocks: [{ kind: 'stories', items: [{ company: 'Doherty Hotels', summary: 'Scheduling for 2,300 staff across 19 hotels.', result: 'Overtime cost down 18%.' }] }],
    },
  ],
};

const ferrule: Site = {
  domain: 'ferrule.example',
  name: 'Ferrule',
  legalName: 'Ferrule Software, Inc.',
  theme: 'utility',
  fit: 'b2b-saas-scaleups',
  color: '#ea580c',
  tagline: 'Field service management for commercial contractors.',
  foundingDate: '2015-10-01',
  employees: 650,
  address: { street: '1600 Wynkoop Street, Suite 500', city: 'Denver', region: 'CO', postalCode: '80202', country: 'US' },
  sameAs: ['https://www.linkedin.com/company/ferrule', 'https://twitter.com/ferruleapp', 'https://www.facebook.com/ferruleapp'],
  trackers: ['gtm', 'segment', 'hubspot', 'drift', 'facebook'],
  pages: [
    {
      file: 'index.html',
      title: 'Ferrule | Field Service Management Software for Commercial Contractors',
      description: 'Dispatch, work orders, quoting and invoicing for HVAC, electrical and plumbing contractors.',
      blocks: [
        { kind: 'hero', headline: 'Run every job from one screen.', subhead: 'Ferrule is field service management software built for commercial HVAC, electrical and plumbing contractors.', cta: { label: 'Get a demo', href: 'https://ferrule.example/contact' } },
        { kind: 'stats', items: [['3,500', 'contractors'], ['80,000', 'technicians'], ['$11B', 'invoiced through Ferrule']] },
        {
          kind: 'features',
          items: [
            { title: 'Dispatch board', body: 'Drag-and-drop scheduling with live technician locations.' },
            { title: 'Service agreements', body: 'Recurring maintenance visits generated automatically.' },
            { title: 'Job costing', body: 'Labor, materials and purchase orders tracked against every job.' },
            { title: 'Accounting sync', body: 'Two-way sync with Sage Intacct, QuickBooks and Viewpoint Vista.' },
          ],
        },
        { kind: 'logos', title: 'Trusted by contractors nationwide', names: ['Summit Mechanical', 'Bluebird Electric', 'Pioneer Plumbing Group', 'Frontier Fire Protection'] },
        { kind: 'testimonials', items: [{ quote: 'We replaced three systems with Ferrule and invoice jobs the day they close.', name: 'Carlos Reyes', role: 'CFO', company: 'Summit Mechanical' }] },
      ],
    },
    {
      file: 'about.html',
      nav: 'About',
      title: 'About Ferrule',
      description: 'About Ferrule.',
      blocks: [
        {
          kind: 'prose',
          paragraphs: [
            'Ferrule was founded in Denver, Colorado in 2015 by a third-generation HVAC contractor and a software engineer.',
            'We have 650 employees in Denver, Phoenix and Toronto, and serve 3,500 commercial contractors.',
            'Ferrule has raised $245 million, most recently a $120 million Series D in 2026 led by Crestview Growth Equity.',
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Pricing',
      title: 'Pricing | Ferrule',
      description: 'Per-technician pricing.',
      blocks: [
        {
          kind: 'tiers',
          tiers: [
            { name: 'Core', price: '$129', period: 'per technician / month', features: ['Dispatch', 'Work orders', 'Mobile app'] },
            { name: 'Pro', price: '$189', period: 'per technician / month', features: ['Service agreements', 'Job costing', 'Accounting sync'], highlight: true },
            { name: 'Enterprise', price: 'Custom', features: ['Multi-branch', 'Dedicated onboarding'] },
          ],
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers | Ferrule',
      description: 'Careers.',
      blocks: [
        {
          kind: 'roles',
          roles: [
            { title: 'Accounts Payable Specialist', department: 'Finance', location: 'Denver, CO' },
            { title: 'Revenue Accountant', department: 'Finance', location: 'Denver, CO' },
            { title: 'Assistant Controller', department: 'Finance', location: 'Denver, CO' },
            { title: 'Senior iOS Engineer', department: 'Engineering', location: 'Remote (US)' },
            { title: 'Implementation Consultant', department: 'Services', location: 'Phoenix, AZ' },
          ],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'Newsroom',
      title: 'Newsroom | Ferrule',
      description: 'Newsroom.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-08-12', title: 'Ferrule raises $120M Series D', body: ['Crestview Growth Equity led the round, valuing Ferrule at $1.4 billion.'] },
            { date: '2026-05-28', title: 'Ferrule acquires Quotely', body: ['Ferrule has acquired Quotely, a quoting tool for mechanical contractors, and its 30-person team.'] },
            { date: '2026-01-15', title: 'Ferrule expands to Canada', body: ['Our Toronto office opens to serve Canadian contractors.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers | Ferrule',
      description: 'Customers.',
      blocks: [{ kind: 'stories', items: [{ company: 'Summit Mechanical', summary: '450 technicians in four states on one dispatch board.', result: 'Days sales outstanding down from 61 to 38.' }, { company: 'Bluebird Electric', summary: 'Service agreements for 2,000 commercial buildings.' }] }],
    },
    {
      file: 'team.html',
      title: 'Leadership | Ferrule',
      description: 'Ferrule leadership team.',
      blocks: [
        {
          kind: 'people',
          title: 'Leadership',
          items: [
            { name: 'Jake Mendoza', role: 'Co-founder & CEO' },
            { name: 'Priya Raman', role: 'Co-founder & CTO' },
            { name: 'Greg Halvorsen', role: 'Chief Financial Officer', bio: 'Greg joined Ferrule in 2025 and leads finance, accounting and procurement.' },
            { name: 'Dana Whitfield', role: 'VP Customer Success' },
          ],
        },
      ],
    },
    {
      file: 'contact.html',
      title: 'Contact | Ferrule',
      description: 'Contact Ferrule.',
      blocks: [{ kind: 'contact', offices: [{ label: 'Denver HQ', lines: ['1600 Wynkoop Street, Suite 500', 'Denver, CO 80202'] }], email: 'sales@ferrule.example', phone: '(720) 555-0119' }],
    },
  ],
};

const stackharbor: Site = {
  domain: 'stackharbor.example',
  name: 'StackHarbor',
  legalName: 'StackHarbor B.V.',
  theme: 'spa',
  fit: 'b2b-saas-scaleups',
  color: '#111827',
  tagline: 'Feature flags and experimentation for product teams.',
  foundingDate: '2019-11-01',
  employees: 140,
  address: { street: 'Keizersgracht 520', city: 'Amsterdam', postalCode: '1017 EK', country: 'NL' },
  sameAs: ['https://www.linkedin.com/company/stackharbor', 'https://github.com/stackharbor', 'https://twitter.com/stackharbor'],
  trackers: ['segment', 'intercom', 'stripe'],
  pages: [
    {
      file: 'index.html',
      title: 'StackHarbor — Feature flags & experimentation',
      description: 'Ship faster with feature flags, gradual rollouts and A/B tests. StackHarbor is a developer platform for product teams.',
      blocks: [
        { kind: 'hero', headline: 'Ship every day. Break nothing.', subhead: 'StackHarbor is the feature flag and experimentation platform for engineering teams that deploy continuously.', cta: { label: 'Start free', href: '/pricing/' }, secondary: { label: 'Read the docs', href: '/product/' } },
        { kind: 'stats', items: [['1,100', 'engineering teams'], ['40B', 'flag evaluations a day'], ['<20 ms', 'global p99 latency']] },
        {
          kind: 'features',
          items: [
            { title: 'Feature flags', body: 'Release to 1%, then 10%, then everyone, with instant kill switches.' },
            { title: 'Experiments', body: 'Run A/B tests on any flag with sequential statistics.' },
            { title: 'SDKs', body: 'Open-source SDKs for 24 languages and frameworks.' },
          ],
        },
        { kind: 'logos', title: 'Teams shipping with StackHarbor', names: ['Zalenta', 'Kiln Analytics', 'Ferrule', 'Northbeam Payroll'] },
      ],
    },
    {
      file: 'product.html',
      nav: 'Product',
      title: 'Product — StackHarbor',
      description: 'Product overview.',
      blocks: [
        { kind: 'features', title: 'One platform for releases', items: [{ title: 'Targeting rules', body: 'Target by user, account, plan or any custom attribute.' }, { title: 'Audit log', body: 'Every change to every flag, exportable to your SIEM.' }, { title: 'Edge evaluation', body: 'Flags evaluated at the edge on Cloudflare Workers and Fastly.' }] },
      ],
    },
    {
      file: 'about.html',
      nav: 'Company',
      title: 'Company — StackHarbor',
      description: 'About StackHarbor.',
      blocks: [
        {
          kind: 'prose',
          paragraphs: [
            'StackHarbor was founded in Amsterdam in 2019. We are a remote-first team of 140 people across 19 countries, with our headquarters on the Keizersgracht.',
            'In 2026 StackHarbor raised a $25 million Series B led by Canal Street Capital.',
            'Our platform runs on Google Cloud and Cloudflare, and we are SOC 2 Type II compliant.',
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Pricing',
      title: 'Pricing — StackHarbor',
      description: 'Pricing.',
      blocks: [
        {
          kind: 'tiers',
          tiers: [
            { name: 'Developer', price: '$0', features: ['1 project', 'Unlimited flags'] },
            { name: 'Team', price: '$20', period: 'per seat / month', features: ['Experiments', 'Audit log'], highlight: true },
            { name: 'Enterprise', price: 'Contact sales', features: ['SSO', 'Edge evaluation', 'SLA'] },
          ],
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers — StackHarbor',
      description: 'Careers.',
      blocks: [
        {
          kind: 'roles',
          roles: [
            { title: 'Finance & Operations Lead', department: 'Operations', location: 'Amsterdam' },
            { title: 'Senior Rust Engineer', department: 'Engineering', location: 'Remote (EU)' },
            { title: 'Developer Advocate', department: 'Marketing', location: 'Remote (US)' },
          ],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'Blog',
      title: 'Blog — StackHarbor',
      description: 'Blog.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-06-10', title: 'Announcing our $25M Series B', body: ['Canal Street Capital led the round, with participation from Northgate Ventures.'] },
            { date: '2026-02-03', title: 'StackHarbor opens a US entity', body: ['StackHarbor Inc. is now incorporated in Delaware, with our first US hires in New York.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers — StackHarbor',
      description: 'Customers.',
      blocks: [{ kind: 'stories', items: [{ company: 'Zalenta', summary: 'Gradual rollouts for a 300-engineer fashion marketplace.', result: 'Incidents caused by releases down 60%.' }] }],
    },
  ],
};

const kiln: Site = {
  domain: 'kiln-analytics.example',
  name: 'Kiln Analytics',
  legalName: 'Kiln Analytics, Inc.',
  theme: 'semantic',
  fit: 'b2b-saas-scaleups',
  color: '#c2410c',
  tagline: 'Product analytics for B2B software companies.',
  foundingDate: '2014-04-01',
  employees: 890,
  address: { street: '600 Townsend Street', city: 'San Francisco', region: 'CA', postalCode: '94103', country: 'US' },
  sameAs: ['https://www.linkedin.com/company/kiln-analytics', 'https://twitter.com/kilnanalytics', 'https://github.com/kiln-analytics'],
  trackers: ['gtm', 'segment', 'intercom', 'linkedin', 'stripe'],
  robots: 'User-agent: *\nDisallow: /app/\nDisallow: /api/\nCrawl-delay: 1\n\nSitemap: https://kiln-analytics.example/sitemap.xml\n',
  files: {
    'sitemap.xml':
      '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n  <url><loc>https://kiln-analytics.example/</loc><lastmod>2026-10-01</lastmod></url>\n  <url><loc>https://kiln-analytics.example/about</loc></url>\n  <url><loc>https://kiln-analytics.example/pricing</loc></url>\n  <url><loc>https://kiln-analytics.example/careers</loc></url>\n  <url><loc>https://kiln-analytics.example/news</loc></url>\n  <url><loc>https://kiln-analytics.example/customers</loc></url>\n</urlset>\n',
  },
  pages: [
    {
      file: 'index.html',
      title: 'Kiln Analytics | Product Analytics for B2B SaaS',
      description: 'Account-level product analytics: funnels, retention and usage-based pricing insights for B2B SaaS.',
      blocks: [
        { kind: 'hero', headline: 'Know which accounts are about to expand.', subhead: 'Kiln is product analytics built for B2B SaaS: every chart works at the account level, not just the user level.', cta: { label: 'Get started', href: '/pricing' } },
        { kind: 'stats', items: [['5,500', 'software companies'], ['2 trillion', 'events a month'], ['30+', 'warehouse and CRM integrations']] },
        {
          kind: 'features',
          items: [
            { title: 'Account analytics', body: 'Funnels and retention grouped by company, plan and contract value.' },
            { title: 'Usage billing insights', body: 'Model usage-based pricing before you launch it.' },
            { title: 'Warehouse native', body: 'Query events in Snowflake or BigQuery without copying data.' },
          ],
        },
        { kind: 'logos', title: 'Trusted by product teams at', names: ['BeaconHQ', 'Quillstack', 'Ferrule', 'Formation', 'Pipewright'] },
        { kind: 'testimonials', items: [{ quote: 'Kiln showed us which features predicted expansion. We rebuilt our pricing around them.', name: 'Maya Lindgren', role: 'VP Product', company: 'BeaconHQ' }] },
      ],
    },
    {
      file: 'about.html',
      nav: 'About',
      title: 'About | Kiln Analytics',
      description: 'About Kiln.',
      blocks: [
        {
          kind: 'prose',
          paragraphs: [
            'Kiln Analytics is headquartered in San Francisco, with offices in New York, London and Sydney.',
            'Founded in 2014, Kiln has 890 employees and serves 5,500 software companies.',
            'Kiln has raised $310 million from investors including Sandhill Partners and Crestview Growth Equity.',
          ],
        },
        { kind: 'people', title: 'Leadership', items: [{ name: 'Ben Adeyemi', role: 'CEO' }, { name: 'Olivia Hart', role: 'CFO', bio: 'Olivia joined Kiln in 2026 from a public cybersecurity company.' }, { name: 'Ravi Menon', role: 'CTO' }] },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Pricing',
      title: 'Pricing | Kiln Analytics',
      description: 'Pricing.',
      blocks: [
        {
          kind: 'tiers',
          intro: 'Pricing is based on monthly tracked events and billed annually. Every plan includes unlimited seats.',
          tiers: [
            { name: 'Starter', price: 'Free', features: ['Up to 10M events a month'] },
            { name: 'Growth', price: '$995', period: '/month', features: ['100M events', 'Account analytics', 'Salesforce sync'], highlight: true },
            { name: 'Enterprise', price: 'Custom', features: ['Warehouse native', 'SSO', 'HIPAA'] },
          ],
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers | Kiln Analytics',
      description: 'Careers.',
      blocks: [
        {
          kind: 'roles',
          roles: [
            { title: 'Director, Accounting Operations', department: 'Finance', location: 'San Francisco, CA' },
            { title: 'Procure-to-Pay Analyst', department: 'Finance', location: 'New York, NY' },
            { title: 'Staff Engineer, Query Engine', department: 'Engineering', location: 'San Francisco, CA' },
            { title: 'Enterprise Account Executive, ANZ', department: 'Sales', location: 'Sydney' },
          ],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'News',
      title: 'News | Kiln Analytics',
      description: 'News.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-09-24', title: 'Kiln raises $150M Series D', body: ['Sandhill Partners led the Series D. Kiln will invest in warehouse-native analytics and international expansion.'] },
            { date: '2026-04-30', title: 'Olivia Hart joins as CFO', body: ['Olivia Hart has been appointed Chief Financial Officer of Kiln Analytics.'] },
            { date: '2026-02-11', title: 'Sydney office opens', body: ['Kiln opened its Sydney office to serve customers in Australia and New Zealand.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers | Kiln Analytics',
      description: 'Customers.',
      blocks: [{ kind: 'stories', items: [{ company: 'BeaconHQ', summary: 'Account-level funnels for 1,800 customers.', result: 'Net revenue retention up 9 points.' }, { company: 'Pipewright', summary: 'Usage analytics to design consumption pricing.' }] }],
    },
  ],
};

const tessellate: Site = {
  domain: 'tessellate.example',
  name: 'Tessellate',
  legalName: 'Tessellate Commerce, Inc.',
  theme: 'bootstrap',
  fit: 'b2b-saas-scaleups',
  color: '#4f46e5',
  tagline: 'B2B e-commerce for distributors and manufacturers.',
  foundingDate: '2016-08-01',
  employees: 380,
  address: { street: '444 N Michigan Avenue, Suite 2600', city: 'Chicago', region: 'IL', postalCode: '60611', country: 'US' },
  sameAs: ['https://www.linkedin.com/company/tessellate-commerce', 'https://twitter.com/tessellatehq'],
  trackers: ['gtm', 'hubspot', 'drift'],
  pages: [
    {
      file: 'index.html',
      title: 'Tessellate | B2B Commerce Platform for Distributors',
      description: 'Tessellate gives distributors and manufacturers a B2B ordering portal connected to their ERP.',
      blocks: [
        { kind: 'hero', headline: 'Let your customers order online, the B2B way.', subhead: 'Customer-specific pricing, punchout catalogs and ERP-synced inventory in one B2B commerce platform.', cta: { label: 'Request a demo', href: 'contact.html' } },
        { kind: 'stats', items: [['700', 'distributors and manufacturers'], ['$14B', 'B2B orders processed'], ['42%', 'of orders placed online after year one']] },
        {
          kind: 'features',
          items: [
            { title: 'Customer-specific pricing', body: 'Contract prices, price breaks and quotes pulled live from your ERP.' },
            { title: 'Punchout & EDI', body: 'cXML and OCI punchout to Coupa, Ariba and Jaggaer.' },
            { title: 'ERP integrations', body: 'Certified connectors for NetSuite, SAP Business One, Epicor Prophet 21 and Microsoft Dynamics 365.' },
          ],
        },
        { kind: 'logos', title: 'Powering B2B stores for', names: ['Hallett Industrial', 'Great Plains Electrical Supply', 'Coastal Fasteners', 'Granite State Fabrication'] },
      ],
    },
    {
      file: 'about.html',
      nav: 'About',
      title: 'About | Tessellate',
      description: 'About Tessellate.',
      blocks: [
        {
          kind: 'prose',
          paragraphs: [
            'Tessellate was founded in Chicago in 2016 and is a B2B commerce platform for distributors and manufacturers.',
            'We have 380 employees in Chicago, Atlanta and Guadalajara.',
            'Tessellate raised a $72 million Series C in 2026 led by Lakefront Growth.',
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Pricing',
      title: 'Pricing | Tessellate',
      description: 'Pricing.',
      blocks: [
        { kind: 'prose', title: 'Pricing', paragraphs: ['Tessellate is priced annually based on your online order volume and the number of ERP connections. Plans start at $3,000 per month.', 'Contact sales for a quote.'] },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers | Tessellate',
      description: 'Careers.',
      blocks: [
        {
          kind: 'roles',
          roles: [
            { title: 'Controller', department: 'Finance', location: 'Chicago, IL' },
            { title: 'Staff Accountant', department: 'Finance', location: 'Chicago, IL' },
            { title: 'ERP Integration Engineer', department: 'Engineering', location: 'Guadalajara, MX' },
            { title: 'Partner Manager, NetSuite', department: 'Partnerships', location: 'Atlanta, GA' },
          ],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'News',
      title: 'News | Tessellate',
      description: 'News.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-03-25', title: 'Tessellate raises $72M Series C', body: ['Lakefront Growth led the round. Tessellate will expand into Europe in 2027.'] },
            { date: '2025-10-08', title: 'Guadalajara engineering hub', body: ['Tessellate opened an engineering hub in Guadalajara, Mexico.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers | Tessellate',
      description: 'Customers.',
      blocks: [{ kind: 'stories', items: [{ company: 'Great Plains Electrical Supply', summary: 'B2B store for 18,000 contractor accounts, synced with Epicor Prophet 21.', result: 'Online orders grew to 48% of revenue.' }] }],
    },
    {
      file: 'contact.html',
      title: 'Contact | Tessellate',
      description: 'Contact.',
      blocks: [{ kind: 'contact', offices: [{ label: 'Chicago', lines: ['444 N Michigan Avenue, Suite 2600', 'Chicago, IL 60611'] }], email: 'sales@tessellate.example' }],
    },
  ],
};

const verdant: Site = {
  domain: 'verdant-ehs.example',
  name: 'Verdant EHS',
  legalName: 'Verdant EHS Software Inc.',
  theme: 'wordpress',
  fit: 'b2b-saas-scaleups',
  color: '#15803d',
  tagline: 'Environment, health and safety software for industrial companies.',
  foundingDate: '2015-06-01',
  employees: 220,
  address: { street: '808 1st Street SW, Suite 700', city: 'Calgary', region: 'AB', postalCode: 'T2P 1M9', country: 'CA' },
  sameAs: ['https://www.linkedin.com/company/verdant-ehs'],
  trackers: ['ga4', 'hubspot', 'linkedin'],
  pages: [
    {
      file: 'index.html',
      title: 'Verdant EHS – Safety & Compliance Software for Industry',
      description: 'Incident reporting, permits, inspections and emissions tracking for manufacturers, energy and construction.',
      blocks: [
        { kind: 'hero', headline: 'Safer sites. Cleaner audits.', subhead: 'Verdant is EHS compliance software for manufacturers, energy producers and contractors: incidents, inspections, permits and emissions in one cloud platform.', cta: { label: 'Book a demo', href: 'https://verdant-ehs.example/contact/' } },
        { kind: 'stats', items: [['1,200', 'industrial sites'], ['38%', 'fewer recordable incidents'], ['ISO 45001', 'ready out of the box']] },
        {
          kind: 'features',
          items: [
            { title: 'Incident management', body: 'Report near misses from a phone, even offline.' },
            { title: 'Inspections & audits', body: 'Checklists with photos, corrective actions and sign-off.' },
            { title: 'Emissions tracking', body: 'Scope 1 and 2 reporting aligned to the GHG Protocol.' },
          ],
        },
        { kind: 'logos', title: 'Trusted by industrial leaders', names: ['Ironbridge Precision Manufacturing', 'Athabasca Midstream', 'Tidewater Packaging', 'Prairie Concrete'] },
      ],
    },
    {
      file: 'about.html',
      nav: 'About',
      title: 'About – Verdant EHS',
      description: 'About Verdant.',
      blocks: [
        {
          kind: 'prose',
          paragraphs: [
            'Verdant EHS is a Calgary, Alberta software company founded in 2015 by a former oil sands safety manager.',
            'Our team of 220 people builds cloud software for environment, health and safety teams in Canada, the US and the UK.',
            'Verdant raised a CA$42 million Series B in 2025 led by Bow River Ventures.',
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Pricing',
      title: 'Pricing – Verdant EHS',
      description: 'Pricing.',
      blocks: [
        {
          kind: 'tiers',
          tiers: [
            { name: 'Site', price: 'CA$650', period: 'per site / month', features: ['Incidents', 'Inspections', 'Unlimited users'] },
            { name: 'Enterprise', price: 'Contact sales', features: ['Permits', 'Emissions', 'SAP EHS integration'], highlight: true },
          ],
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers – Verdant EHS',
      description: 'Careers.',
      blocks: [
        {
          kind: 'roles',
          roles: [
            { title: 'Finance Manager', department: 'Finance', location: 'Calgary, AB' },
            { title: 'Customer Success Manager, UK', department: 'Customer Success', location: 'Manchester, UK' },
            { title: 'Senior Full-Stack Developer', department: 'Engineering', location: 'Calgary, AB' },
          ],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'News',
      title: 'News – Verdant EHS',
      description: 'News.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-05-14', title: 'Verdant expands to the UK', body: ['Verdant opened a Manchester office to serve UK manufacturers.'] },
            { date: '2025-11-04', title: 'Verdant raises CA$42M Series B', body: ['Bow River Ventures led the round, with participation from Prairie Tech Fund.'] },
            { date: '2025-07-22', title: 'SOC 2 Type II', body: ['Verdant EHS completed its SOC 2 Type II examination.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers – Verdant EHS',
      description: 'Customers.',
      blocks: [{ kind: 'stories', items: [{ company: 'Athabasca Midstream', summary: 'Permits and inspections across 240 pipeline facilities.', result: 'Audit preparation time cut by 70%.' }] }],
    },
    {
      file: 'contact.html',
      title: 'Contact – Verdant EHS',
      description: 'Contact Verdant.',
      blocks: [{ kind: 'contact', offices: [{ label: 'Calgary', lines: ['808 1st Street SW, Suite 700', 'Calgary, AB T2P 1M9'] }, { label: 'Manchester', lines: ['1 Spinningfields', 'Manchester M3 3JE'] }], email: 'info@verdant-ehs.example' }],
    },
  ],
};

const pipewright: Site = {
  domain: 'pipewright.example',
  name: 'Pipewright',
  legalName: 'Pipewright GmbH',
  theme: 'utility',
  fit: 'b2b-saas-scaleups',
  color: '#0f172a',
  tagline: 'Integration platform for ERP-centric businesses.',
  foundingDate: '2016-04-01',
  employees: 470,
  address: { street: 'Leopoldstraße 180', city: 'Munich', postalCode: '80804', country: 'DE' },
  sameAs: ['https://www.linkedin.com/company/pipewright', 'https://github.com/pipewright', 'https://www.xing.com/pages/pipewright'],
  trackers: ['gtm', 'hubspot', 'onetrust'],
  pages: [
    {
      file: 'index.html',
      title: 'Pipewright — Integration Platform (iPaaS) for SAP, NetSuite and Dynamics',
      description: 'Connect your ERP to every SaaS app with pre-built, monitored integrations.',
      blocks: [
        { kind: 'hero', headline: 'Your ERP, connected to everything.', subhead: 'Pipewright is an integration platform as a service (iPaaS) with 600 pre-built connectors for SAP, NetSuite and Microsoft Dynamics.', cta: { label: 'Talk to an architect', href: 'https://pipewright.example/contact' } },
        { kind: 'stats', items: [['600', 'connectors'], ['1,900', 'customers'], ['3.4B', 'API calls a month']] },
        {
          kind: 'features',
          items: [
            { title: 'SAP-certified', body: 'Certified integration with SAP S/4HANA Cloud and SAP Business One.' },
            { title: 'Low-code flows', body: 'Map fields visually, drop to TypeScript when you need to.' },
            { title: 'Monitoring', body: 'Alerts, retries and replay for every message.' },
          ],
        },
        { kind: 'logos', title: 'Connecting businesses like', names: ['Rheinwerk Logistik', 'Nordlicht Energie', 'Vosskamp Automotive', 'Maison Loup'] },
      ],
    },
    {
      file: 'about.html',
      nav: 'Company',
      title: 'Company — Pipewright',
      description: 'About Pipewright.',
      blocks: [
        {
          kind: 'prose',
          paragraphs: [
            'Pipewright was founded in Munich in 2016. We are 470 people in Munich, Vienna, Amsterdam and Atlanta.',
            'Pipewright raised a €70 million Series C in 2026, led by Isar Growth Partners.',
            'Our platform is hosted on Microsoft Azure in Germany and the US, and is ISO 27001 and SOC 2 Type II certified.',
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Pricing',
      title: 'Pricing — Pipewright',
      description: 'Pricing.',
      blocks: [
        {
          kind: 'tiers',
          tiers: [
            { name: 'Professional', price: '€1,800', period: 'per month', features: ['5 connections', '1M messages'] },
            { name: 'Business', price: '€4,500', period: 'per month', features: ['20 connections', '10M messages', 'SAP connector'], highlight: true },
            { name: 'Enterprise', price: 'Custom', features: ['Unlimited connections', 'Private cloud'] },
          ],
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers — Pipewright',
      description: 'Careers.',
      blocks: [
        {
          kind: 'roles',
          roles: [
            { title: 'Head of Finance Operations', department: 'Finance', location: 'Munich' },
            { title: 'Accountant (Kreditoren)', department: 'Finance', location: 'Munich' },
            { title: 'Solution Architect SAP', department: 'Professional Services', location: 'Vienna' },
            { title: 'Account Executive, US Mid-Market', department: 'Sales', location: 'Atlanta, GA' },
          ],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'News',
      title: 'News — Pipewright',
      description: 'News.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-07-15', title: 'Pipewright raises €70M Series C', body: ['Isar Growth Partners led the round to fund our US expansion.'] },
            { date: '2026-02-26', title: 'Atlanta office opens', body: ['Pipewright opened its US headquarters in Atlanta, Georgia.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers — Pipewright',
      description: 'Customers.',
      blocks: [{ kind: 'stories', items: [{ company: 'Rheinwerk Logistik', summary: 'Carrier and customer EDI connected to SAP S/4HANA.', result: '120 integrations migrated in nine months.' }] }],
    },
    {
      file: 'contact.html',
      title: 'Contact — Pipewright',
      description: 'Contact Pipewright.',
      blocks: [{ kind: 'contact', offices: [{ label: 'Munich', lines: ['Leopoldstraße 180', '80804 München'] }, { label: 'Atlanta', lines: ['1201 Peachtree Street NE', 'Atlanta, GA 30361'] }], email: 'hello@pipewright.example' }],
    },
  ],
};

export const saasSites: Site[] = [shipwise, quillstack, beacon, formation, rosterly, ferrule, stackharbor, kiln, tessellate, verdant, pipewright];

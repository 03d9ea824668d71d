/**
 * Logistics, freight, warehousing and manufacturing companies: the mid-market ICP. Keelhaul is an
 * existing customer of the seller, so it fits on paper but must be excluded downstream.
 */
import type { Site } from './types.ts';

const keelhaul: Site = {
  domain: 'keelhaul-freight.example',
  name: 'Keelhaul Freight',
  legalName: 'Keelhaul Freight B.V.',
  theme: 'semantic',
  fit: 'midmarket-logistics',
  color: '#0b3d5c',
  tagline: 'Ocean and air freight forwarding, run by people who answer the phone.',
  foundingDate: '1998-04-01',
  employees: 850,
  address: { street: 'Maasboulevard 212', city: 'Rotterdam', postalCode: '3011 TX', country: 'NL' },
  phone: '+31 10 555 0142',
  email: 'hello@keelhaul-freight.example',
  sameAs: ['https://www.linkedin.com/company/keelhaul-freight', 'https://twitter.com/keelhaulfreight'],
  trackers: ['gtm', 'hubspot', 'linkedin'],
  pages: [
    {
      file: 'index.html',
      title: 'Keelhaul Freight | Ocean & Air Freight Forwarding from Rotterdam',
      description: 'Keelhaul Freight moves full and part containers, airfreight and customs for 2,100 European shippers.',
      blocks: [
        {
          kind: 'hero',
          eyebrow: 'Freight forwarding since 1998',
          headline: 'Your cargo, our name on the line.',
          subhead: 'Keelhaul Freight books, tracks and clears ocean and air freight between Europe, Asia and the Americas, with a named forwarder for every account.',
          cta: { label: 'Request a quote', href: '/contact' },
          secondary: { label: 'See our services', href: '/about' },
        },
        { kind: 'stats', items: [['2,100', 'European shippers'], ['96.4%', 'on-time departures'], ['41', 'partner ports'], ['24/7', 'customs desk']] },
        {
          kind: 'features',
          title: 'What we move',
          items: [
            { title: 'FCL & LCL ocean freight', body: 'Weekly consolidations from Rotterdam and Antwerp to Shanghai, Ningbo, Newark and Santos.' },
            { title: 'Airfreight', body: 'Next-flight-out and deferred service through Schiphol and Frankfurt, with dangerous-goods handling.' },
            { title: 'Customs brokerage', body: 'Our own licensed brokers file EU import and export declarations around the clock.' },
          ],
        },
        { kind: 'logos', title: 'Trusted by shippers across Europe', names: ['Vandermolen Foods', 'Ostra Textiles', 'Bremer Pumpen', 'Lindqvist Home', 'Casa Albero'] },
        {
          kind: 'testimonials',
          items: [
            {
              quote: 'When a reefer sat at Santos for four days, our Keelhaul forwarder had it moving before I finished my coffee.',
              name: 'Marieke de Bruin',
              role: 'Head of Logistics',
              company: 'Vandermolen Foods',
            },
          ],
        },
      ],
    },
    {
      file: 'about.html',
      nav: 'About',
      title: 'About Keelhaul Freight',
      description: 'A family-founded forwarder grown into an 850-person network across six countries.',
      blocks: [
        {
          kind: 'prose',
          title: 'A forwarder that still answers the phone',
          paragraphs: [
            'Keelhaul Freight was founded in Rotterdam in 1998 by Henk and Ria Kielhaal, who ran the first desk out of a converted ship chandler on the Maashaven.',
            'Today 850 employees work across offices in Rotterdam, Antwerp, Hamburg, Gdansk, Newark and Shanghai. We are an independent freight forwarder, not a carrier: we buy space from the lines and airlines and sell our customers something they cannot buy from them, which is accountability.',
            'Our finance team closes the month on NetSuite, and every shipment file carries its own costing so our customers get one invoice per shipment, not twelve.',
          ],
        },
        { kind: 'facts', title: 'At a glance', items: [['Founded', '1998'], ['Headquarters', 'Rotterdam, the Netherlands'], ['Offices', '6'], ['Certifications', 'AEO-F, ISO 9001']] },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Rates',
      title: 'Rates & surcharges | Keelhaul Freight',
      description: 'Indicative LCL rates and our surcharge schedule.',
      blocks: [
        { kind: 'prose', title: 'Indicative LCL rates', paragraphs: ['Rates below are per revenue ton (1 m³ or 1,000 kg) from our Rotterdam CFS, valid for the current quarter. Full-container and airfreight rates are quoted per shipment.'] },
        {
          kind: 'table',
          head: ['Lane', 'Transit', 'Rate per revenue ton'],
          rows: [
            ['Rotterdam – Shanghai', '32 days', '€ 48'],
            ['Rotterdam – Newark', '14 days', '€ 62'],
            ['Rotterdam – Santos', '21 days', '€ 71'],
          ],
          note: 'Customs clearance from € 95 per declaration. Volume contracts for shippers above 200 TEU a year.',
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers at Keelhaul Freight',
      description: 'Open roles at Keelhaul Freight in Rotterdam, Antwerp and Newark.',
      blocks: [
        {
          kind: 'roles',
          intro: 'We hire forwarders who like solving problems more than they like spreadsheets. We also hire people who like spreadsheets.',
          roles: [
            { title: 'Ocean Export Coordinator', department: 'Operations', location: 'Rotterdam' },
            { title: 'Customs Declarant (NL)', department: 'Customs', location: 'Rotterdam' },
            { title: 'Airfreight Sales Executive', department: 'Sales', location: 'Newark, NJ' },
            { title: 'Billing Specialist', department: 'Finance', location: 'Antwerp' },
          ],
          perks: ['Bike allowance and NS business card', '27 vacation days', 'Pension with 6% employer contribution'],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'News',
      title: 'News | Keelhaul Freight',
      description: 'Company news from Keelhaul Freight.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-09-15', title: 'Keelhaul opens Gdansk office', body: ['Our sixth office opened in Gdansk to serve Baltic shippers and rail connections to Central Europe.'] },
            { date: '2026-03-02', title: 'New Newark CFS', body: ['A 6,000 m² container freight station in Newark gives transatlantic LCL customers a direct US consolidation point.'] },
            { date: '2025-11-20', title: 'AEO-F certification renewed', body: ['Dutch Customs renewed our Authorised Economic Operator status for another three years.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers | Keelhaul Freight',
      description: 'How shippers use Keelhaul Freight.',
      blocks: [
        {
          kind: 'stories',
          items: [
            { company: 'Vandermolen Foods', industry: 'Food & beverage', summary: 'Weekly reefer exports from Rotterdam to Brazil with temperature logging on every box.', result: 'Demurrage down 38% year on year.' },
            { company: 'Bremer Pumpen', industry: 'Industrial equipment', summary: 'Project cargo and breakbulk pumps to US water utilities.', result: 'Zero customs holds in 2025.' },
          ],
        },
      ],
    },
    {
      file: 'contact.html',
      nav: 'Contact',
      title: 'Contact Keelhaul Freight',
      description: 'Reach a forwarder at Keelhaul Freight.',
      blocks: [
        {
          kind: 'contact',
          offices: [
            { label: 'Rotterdam (HQ)', lines: ['Maasboulevard 212', '3011 TX Rotterdam', 'Netherlands'] },
            { label: 'Newark', lines: ['88 Doremus Avenue', 'Newark, NJ 07105', 'United States'] },
          ],
          email: 'quotes@keelhaul-freight.example',
          phone: '+31 10 555 0142',
        },
      ],
    },
  ],
};

const brightpallet: Site = {
  domain: 'brightpallet.example',
  name: 'BrightPallet',
  legalName: 'BrightPallet Logistics, Inc.',
  theme: 'utility',
  fit: 'midmarket-logistics',
  color: '#f59e0b',
  tagline: 'Warehousing and fulfillment that scales with your peak season.',
  foundingDate: '2011-06-14',
  employees: 1200,
  address: { street: '4400 Alum Creek Drive', city: 'Columbus', region: 'OH', postalCode: '43207', country: 'US' },
  phone: '(614) 555-0198',
  email: 'sales@brightpallet.example',
  sameAs: ['https://www.linkedin.com/company/brightpallet', 'https://www.facebook.com/brightpallet', 'https://www.youtube.com/@brightpallet'],
  trackers: ['gtm', 'segment', 'hubspot', 'hotjar'],
  pages: [
    {
      file: 'index.html',
      title: 'BrightPallet — 3PL Warehousing & Fulfillment',
      description: 'BrightPallet runs 14 warehouses across the US for B2B and DTC brands: storage, pick-pack, kitting and freight.',
      blocks: [
        {
          kind: 'hero',
          headline: 'The 3PL that ships your peak like it’s a Tuesday.',
          subhead: '14 warehouses, 9.2 million square feet, and one WMS your team can actually log into.',
          cta: { label: 'Get a storage quote', href: 'https://brightpallet.example/pricing' },
          secondary: { label: 'Talk to sales', href: 'https://brightpallet.example/contact' },
        },
        { kind: 'stats', items: [['14', 'warehouses'], ['9.2M', 'sq ft under roof'], ['99.7%', 'order accuracy'], ['1-day', 'ground to 62% of the US']] },
        {
          kind: 'features',
          title: 'Everything between the dock door and the doorstep',
          items: [
            { title: 'Pallet storage', body: 'Ambient, food-grade and bonded storage with cycle counts every week.' },
            { title: 'Pick, pack & ship', body: 'Same-day shipping on orders received by 3 p.m. local time, with carrier rate shopping across UPS, FedEx and regional carriers.' },
            { title: 'Kitting & returns', body: 'Subscription boxes, retail display builds and returns grading in one building.' },
            { title: 'BrightView portal', body: 'Live inventory, order status and billing in one login, with an API and a Shopify app.' },
          ],
        },
        { kind: 'logos', title: 'Trusted by 380 brands', names: ['Hollow Oak Coffee', 'Pinecrest Outdoor', 'Lumina Skincare', 'Teller & Finch', 'Ridgeback Tools'] },
        {
          kind: 'testimonials',
          items: [
            { quote: 'We moved 40,000 SKUs into BrightPallet in six weeks and didn’t miss a Black Friday order.', name: 'Corey Alvarez', role: 'COO', company: 'Pinecrest Outdoor' },
            { quote: 'Their billing is the first 3PL invoice I have ever been able to reconcile in one sitting.', name: 'Naomi Feld', role: 'Controller', company: 'Lumina Skincare' },
          ],
        },
      ],
    },
    {
      file: 'about.html',
      nav: 'Company',
      title: 'About BrightPallet',
      description: 'BrightPallet is a Columbus, Ohio 3PL with 1,200 employees and 14 warehouses.',
      blocks: [
        {
          kind: 'prose',
          title: 'Built in Columbus, shipping everywhere',
          paragraphs: [
            'BrightPallet started in 2011 with one 80,000-square-foot building on Alum Creek Drive and three customers. We are now a third-party logistics provider with 1,200 employees and 14 warehouses in Ohio, Texas, Nevada, Georgia and Pennsylvania.',
            'Headquartered in Columbus, Ohio, we still run every building on our own playbook: clean floors, weekly cycle counts and a site manager whose phone number is on your invoice.',
            'In 2025 Harbor Lane Capital acquired a majority stake in BrightPallet, funding our expansion into the West and our new automated facility in Reno.',
          ],
        },
        {
          kind: 'people',
          title: 'Leadership',
          items: [
            { name: 'Priya Natarajan', role: 'Chief Executive Officer' },
            { name: 'Tom Kessler', role: 'Chief Operating Officer' },
            { name: 'Alicia Grant', role: 'Chief Financial Officer', bio: 'Joined in 2026 from a Fortune 500 distributor.' },
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Pricing',
      title: 'Pricing — BrightPallet',
      description: 'Transparent 3PL pricing: receiving, storage and fulfillment.',
      blocks: [
        {
          kind: 'tiers',
          title: 'Simple, published pricing',
          intro: 'No setup fees on Starter and Growth. Storage is billed per pallet per month.',
          tiers: [
            { name: 'Starter', price: '$18', period: 'per pallet / month', features: ['Up to 200 pallets', 'Pick & pack from $2.95 per order', 'Shopify and WooCommerce apps'] },
            { name: 'Growth', price: '$15', period: 'per pallet / month', features: ['200–2,000 pallets', 'Pick & pack from $2.40 per order', 'Dedicated account manager', 'EDI with retailers'], highlight: true },
            { name: 'Enterprise', price: 'Custom', features: ['2,000+ pallets', 'Dedicated space and staff', 'Multi-node inventory placement'] },
          ],
          note: 'Receiving is $45 per container hour. Prices exclude freight.',
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers — BrightPallet',
      description: 'Join BrightPallet: warehouse, operations and corporate roles.',
      blocks: [
        {
          kind: 'roles',
          title: 'Open positions',
          roles: [
            { title: 'Accounts Payable Specialist', department: 'Finance', location: 'Columbus, OH' },
            { title: 'Accounts Payable Specialist', department: 'Finance', location: 'Columbus, OH (hybrid)' },
            { title: 'Senior Accountant, Carrier Billing', department: 'Finance', location: 'Columbus, OH' },
            { title: 'Warehouse Supervisor, 2nd shift', department: 'Operations', location: 'Reno, NV' },
            { title: 'Forklift Operator', department: 'Operations', location: 'Dallas, TX' },
            { title: 'Solutions Engineer', department: 'Sales', location: 'Remote (US)' },
          ],
          perks: ['Medical, dental and vision from day one', '401(k) with 4% match', 'Shift differential for nights and weekends'],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'Newsroom',
      title: 'Newsroom — BrightPallet',
      description: 'BrightPallet company news and press releases.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-10-06', title: 'BrightPallet opens automated Reno fulfillment center', body: ['The 620,000-square-foot building in Reno, Nevada, is our 14th warehouse and our first with goods-to-person robotics.'] },
            { date: '2026-05-19', title: 'Alicia Grant named Chief Financial Officer', body: ['Alicia Grant joins BrightPallet as CFO and will lead finance, procurement and the company’s move to a new ERP.'] },
            { date: '2025-08-11', title: 'BrightPallet acquires Lone Star Fulfillment', body: ['The acquisition adds two Dallas-area warehouses and 190 employees.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers — BrightPallet',
      description: 'Brands that ship with BrightPallet.',
      blocks: [
        {
          kind: 'stories',
          intro: 'From coffee roasters to tool makers, 380 brands run their inventory through our buildings.',
          items: [
            { company: 'Hollow Oak Coffee', industry: 'Food & beverage', summary: 'Food-grade storage and subscription fulfillment from Columbus and Atlanta.', result: '2-day delivery to 91% of subscribers.' },
            { company: 'Ridgeback Tools', industry: 'Hardware', summary: 'Retail replenishment to Home Depot and Lowe’s with EDI and compliance labeling.', result: 'Chargebacks cut by 70%.' },
          ],
        },
      ],
    },
    {
      file: 'contact.html',
      title: 'Contact — BrightPallet',
      description: 'Talk to BrightPallet sales.',
      blocks: [
        {
          kind: 'contact',
          offices: [{ label: 'Headquarters', lines: ['4400 Alum Creek Drive', 'Columbus, OH 43207'] }],
          email: 'sales@brightpallet.example',
          phone: '(614) 555-0198',
        },
      ],
    },
  ],
};

const ironbridge: Site = {
  domain: 'ironbridge-manufacturing.example',
  name: 'Ironbridge Precision Manufacturing',
  legalName: 'Ironbridge Precision Manufacturing Ltd',
  theme: 'table',
  fit: 'midmarket-logistics',
  color: '#7a2e1d',
  tagline: 'Sheet metal, machining and assembly to drawing since 1974.',
  foundingDate: '1974-02-11',
  employees: 640,
  address: { street: 'Unit 4, Attercliffe Works, Effingham Road', city: 'Sheffield', postalCode: 'S9 3QD', country: 'GB' },
  phone: '0114 496 0321',
  email: 'sales@ironbridge-manufacturing.example',
  sameAs: ['https://www.linkedin.com/company/ironbridge-precision'],
  trackers: ['ga4'],
  newsletter: { title: 'Subscribe to our newsletter', body: 'Get the latest capacity updates and news from the works, four times a year.' },
  pages: [
    {
      file: 'index.html',
      title: 'IRONBRIDGE PRECISION MANUFACTURING - Sheet Metal Fabrication & CNC Machining, Sheffield',
      description: 'Contract manufacturer: laser cutting, CNC press braking, machining, welding, powder coating and assembly.',
      blocks: [
        { kind: 'hero', headline: 'Contract manufacturing to drawing', subhead: 'Laser cutting, CNC machining, welding, powder coating and full assembly under one roof in Sheffield.', cta: { label: 'Request a quotation', href: 'pricing.html' } },
        { kind: 'stats', items: [['50', 'years of manufacturing'], ['4', 'factories in South Yorkshire'], ['1.1M', 'parts shipped last year'], ['99.2%', 'delivered on time']] },
        {
          kind: 'features',
          title: 'Our capabilities',
          items: [
            { title: 'Fibre laser cutting', body: 'Six Trumpf fibre lasers cutting mild steel to 25 mm and stainless to 20 mm.' },
            { title: 'CNC machining', body: '5-axis machining centres for aluminium, steel and engineering plastics.' },
            { title: 'Welding & assembly', body: 'Coded MIG, TIG and robotic welding, plus electro-mechanical assembly.' },
          ],
        },
        { kind: 'logos', title: 'Supplying OEMs including', names: ['Calder Rail Systems', 'Northfield Agritech', 'Brennan Medical Devices', 'Halewood Energy'] },
      ],
    },
    {
      file: 'about.html',
      nav: 'About Us',
      title: 'About Us - Ironbridge Precision Manufacturing',
      description: 'A Sheffield contract manufacturer founded in 1974.',
      blocks: [
        {
          kind: 'prose',
          title: 'ABOUT IRONBRIDGE',
          paragraphs: [
            'Ironbridge Precision Manufacturing was founded in 1974 as a two-man press shop in Attercliffe, Sheffield. Fifty years on we employ 640 people across four factories in South Yorkshire.',
            'We are a contract manufacturer of precision sheet metal and machined components for rail, agricultural, medical and energy OEMs. We hold ISO 9001, ISO 14001 and EN 1090 EXC3 approvals.',
            'In 2026 we began replacing our 20-year-old MRP system with Microsoft Dynamics 365 Business Central, which goes live across all four sites next spring.',
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Quotations',
      title: 'Quotations - Ironbridge Precision Manufacturing',
      description: 'How we quote.',
      blocks: [
        {
          kind: 'prose',
          title: 'HOW WE QUOTE',
          paragraphs: [
            'All work is quoted to drawing. Send us a STEP or DXF file and quantities and we will return a quotation within 48 hours.',
            'Contact our sales office for pricing. Typical minimum order value is £750 per line item.',
          ],
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Vacancies - Ironbridge Precision Manufacturing',
      description: 'Current vacancies.',
      blocks: [
        {
          kind: 'roles',
          title: 'CURRENT VACANCIES',
          roles: [
            { title: 'Purchase Ledger Clerk', department: 'Accounts', location: 'Sheffield', type: 'Full time' },
            { title: 'Financial Controller', department: 'Accounts', location: 'Sheffield', type: 'Full time' },
            { title: 'CNC Press Brake Setter', department: 'Production', location: 'Rotherham', type: 'Full time' },
            { title: 'Coded Welder', department: 'Production', location: 'Sheffield', type: 'Nights' },
          ],
          perks: ['Company pension', 'Overtime paid at time and a half', 'Apprenticeship scheme'],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'News',
      title: 'News - Ironbridge Precision Manufacturing',
      description: 'Latest news from Ironbridge.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-10-01', title: 'Dynamics 365 project under way', body: ['Finance and production planning move to Microsoft Dynamics 365 Business Central, replacing our legacy MRP system.'] },
            { date: '2026-06-12', title: 'New Financial Director', body: ['We welcome Gareth Holloway as Financial Director. Gareth joins from a Midlands automotive supplier.'] },
            { date: '2025-12-03', title: 'Acquisition of Don Valley Coatings', body: ['Ironbridge has acquired Don Valley Coatings, adding powder coating capacity and 45 staff.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers - Ironbridge Precision Manufacturing',
      description: 'Who we make parts for.',
      blocks: [
        {
          kind: 'list',
          title: 'SOME OF OUR CUSTOMERS',
          intro: 'We supply OEMs across the UK and Europe. Customers include:',
          items: ['Calder Rail Systems - bogie brackets and cab enclosures', 'Northfield Agritech - sprayer booms', 'Brennan Medical Devices - stainless trolleys and frames', 'Halewood Energy - switchgear enclosures'],
        },
      ],
    },
  ],
};

const northstar: Site = {
  domain: 'northstar-cold-chain.example',
  name: 'Northstar Cold Chain',
  legalName: 'Northstar Cold Chain Ltd.',
  theme: 'bootstrap',
  fit: 'midmarket-logistics',
  color: '#1d4ed8',
  tagline: 'Temperature-controlled warehousing and transport across Canada.',
  foundingDate: '2004-09-01',
  employees: 900,
  address: { street: '1750 Inkster Boulevard', city: 'Winnipeg', region: 'MB', postalCode: 'R2X 2Z2', country: 'CA' },
  phone: '+1 204 555 0110',
  sameAs: ['https://www.linkedin.com/company/northstar-cold-chain', 'https://www.instagram.com/northstarcoldchain'],
  trackers: ['gtm', 'linkedin', 'onetrust'],
  pages: [
    {
      file: 'index.html',
      title: 'Northstar Cold Chain | Frozen & Chilled Logistics in Canada',
      description: 'Refrigerated warehousing, blast freezing and reefer trucking from Winnipeg, Toronto, Calgary and Montreal.',
      blocks: [
        { kind: 'hero', headline: 'Cold chain, coast to coast.', subhead: 'Frozen, chilled and pharma-grade storage and reefer transport for Canadian food and life-science shippers.', cta: { label: 'Get a quote', href: 'contact.html' } },
        { kind: 'stats', items: [['11', 'temperature-controlled facilities'], ['310', 'reefer trailers'], ['-28°C', 'to +15°C zones'], ['99.9%', 'temperature compliance']] },
        {
          kind: 'features',
          items: [
            { title: 'Frozen & chilled storage', body: 'Multi-temperature rooms with HACCP and CFIA-registered food handling.' },
            { title: 'Blast freezing', body: 'Tunnel freezing of up to 1.2 million pounds a day.' },
            { title: 'Reefer LTL & FTL', body: 'Scheduled cross-Canada reefer lanes and cross-border service to the US Midwest.' },
          ],
        },
        { kind: 'logos', title: 'Shippers who trust Northstar', names: ['Prairie Gold Poultry', 'Lac Bleu Fromagerie', 'Maple Crest Bakeries', 'Borealis Pharma'] },
        { kind: 'testimonials', items: [{ quote: 'Northstar gave us one partner for storage and transport from Vancouver to Halifax.', name: 'Andre Tremblay', role: 'Director of Supply Chain', company: 'Lac Bleu Fromagerie' }] },
      ],
    },
    {
      file: 'about.html',
      nav: 'About',
      title: 'About Northstar Cold Chain',
      description: 'Winnipeg-headquartered cold chain logistics company.',
      blocks: [
        {
          kind: 'prose',
          paragraphs: [
            'Northstar Cold Chain is headquartered in Winnipeg, Manitoba and operates 11 temperature-controlled facilities in Manitoba, Ontario, Alberta and Quebec.',
            'We have grown from a single cold store in 2004 to a team of about 900 employees, including our own fleet of drivers.',
            'We run our warehouses on Manhattan WMS and our finance on Sage Intacct, and we are in the middle of rolling out electronic proof of delivery across the fleet.',
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Services & Rates',
      title: 'Services & Rates | Northstar Cold Chain',
      description: 'Cold storage rates.',
      blocks: [
        {
          kind: 'table',
          title: 'Published storage rates',
          head: ['Service', 'Frozen (-18°C)', 'Chilled (+2°C)'],
          rows: [
            ['Storage, per pallet per month', 'CA$ 32.00', 'CA$ 27.50'],
            ['In/out handling, per pallet', 'CA$ 14.00', 'CA$ 12.00'],
            ['Blast freezing, per pallet', 'CA$ 38.00', '—'],
          ],
          note: 'Transport is quoted per lane. Contract pricing is available above 1,000 pallets.',
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers | Northstar Cold Chain',
      description: 'Work at Northstar.',
      blocks: [
        {
          kind: 'roles',
          intro: 'We are hiring across our network. Bilingual applicants are encouraged for Montreal roles.',
          roles: [
            { title: 'Corporate Controller', department: 'Finance', location: 'Winnipeg, MB' },
            { title: 'Accounts Payable Clerk', department: 'Finance', location: 'Winnipeg, MB' },
            { title: 'AZ Reefer Driver', department: 'Transportation', location: 'Mississauga, ON' },
            { title: 'Warehouse Associate (Freezer)', department: 'Operations', location: 'Calgary, AB' },
          ],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'News',
      title: 'News | Northstar Cold Chain',
      description: 'Northstar news.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-08-25', title: 'Northstar acquires Polar Route Transport', body: ['The acquisition of Polar Route Transport adds 85 reefer trailers and a cross-dock in Regina.'] },
            { date: '2026-04-14', title: 'New Montreal facility opens', body: ['Our 11th facility, a 180,000-square-foot multi-temperature warehouse in Laval, is now receiving.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers | Northstar Cold Chain',
      description: 'Case studies.',
      blocks: [
        {
          kind: 'stories',
          items: [
            { company: 'Prairie Gold Poultry', summary: 'Blast freezing and storage of 40 million pounds of poultry a year, shipped to retailers across Western Canada.' },
            { company: 'Borealis Pharma', summary: 'GDP-compliant +2°C to +8°C storage with continuous temperature mapping.' },
          ],
        },
      ],
    },
    {
      file: 'contact.html',
      title: 'Contact | Northstar Cold Chain',
      description: 'Contact Northstar.',
      blocks: [{ kind: 'contact', offices: [{ label: 'Head office', lines: ['1750 Inkster Boulevard', 'Winnipeg, MB R2X 2Z2', 'Canada'] }], phone: '+1 204 555 0110', email: 'coldchain@northstar-cold-chain.example' }],
    },
  ],
};

const rheinwerk: Site = {
  domain: 'rheinwerk-logistik.example',
  name: 'Rheinwerk Logistik',
  legalName: 'Rheinwerk Logistik GmbH',
  theme: 'semantic',
  fit: 'midmarket-logistics',
  color: '#b91c1c',
  tagline: 'Kontraktlogistik am Rhein — contract logistics for European industry.',
  foundingDate: '1987-01-01',
  employees: 2300,
  address: { street: 'Hafenstraße 41', city: 'Duisburg', postalCode: '47119', country: 'DE' },
  phone: '+49 203 5550 100',
  email: 'info@rheinwerk-logistik.example',
  sameAs: ['https://www.linkedin.com/company/rheinwerk-logistik', 'https://www.xing.com/pages/rheinwerklogistik'],
  trackers: ['matomo'],
  robots: '# Crawlers that ignored our crawl-delay\nUser-agent: AhrefsBot\nUser-agent: SemrushBot\nDisallow: /\n\nUser-agent: *\nDisallow: /intern/\nDisallow: /*?sessionid=\n',
  cookieText: 'Wir verwenden Cookies. We use cookies to run this site and to measure how it is used. Accept all / Manage preferences',
  pages: [
    {
      file: 'index.html',
      title: 'Rheinwerk Logistik GmbH – Contract Logistics, Duisburg',
      description: 'Contract logistics, inbound-to-line supply and intermodal transport from the Port of Duisburg.',
      blocks: [
        {
          kind: 'hero',
          eyebrow: 'Kontraktlogistik seit 1987',
          headline: 'Logistics that keeps production lines running.',
          subhead: 'From the world’s largest inland port we supply automotive, chemical and machinery plants across Germany, Benelux and Poland.',
          cta: { label: 'Anfrage stellen / Get in touch', href: '/contact' },
        },
        { kind: 'stats', items: [['2,300', 'Mitarbeitende'], ['17', 'sites in 4 countries'], ['640,000 m²', 'warehouse space'], ['38', 'block trains per week']] },
        {
          kind: 'features',
          title: 'Leistungen',
          items: [
            { title: 'Inbound-to-line', body: 'Just-in-sequence supply to assembly lines with two-hour call-offs.' },
            { title: 'Chemical warehousing', body: 'Hazardous goods storage approved under the German BImSchG.' },
            { title: 'Intermodal', body: 'Rail shuttles between Duisburg, Rotterdam, Antwerp and Poznań.' },
          ],
        },
        { kind: 'logos', title: 'Partner der Industrie', names: ['Vosskamp Automotive', 'Lindner Chemie', 'Kessler Maschinenbau', 'Nordhaus Stahl'] },
      ],
    },
    {
      file: 'about.html',
      nav: 'Unternehmen',
      title: 'Unternehmen – Rheinwerk Logistik',
      description: 'About Rheinwerk Logistik GmbH.',
      blocks: [
        {
          kind: 'prose',
          title: 'About Rheinwerk',
          paragraphs: [
            'Rheinwerk Logistik GmbH is a contract logistics provider headquartered in Duisburg, Germany. Founded in 1987 as a warehouse operator at the Duisburg port, we now employ 2,300 people at 17 sites in Germany, the Netherlands, Belgium and Poland.',
            'We are owned by the founding Brandt family and the Rhine Infrastructure Fund, which acquired a minority stake in 2024.',
            'Our group is migrating from SAP ECC to SAP S/4HANA, with finance and procurement live since October 2026.',
          ],
        },
        {
          kind: 'people',
          title: 'Geschäftsführung',
          items: [
            { name: 'Dr. Jens Brandt', role: 'CEO' },
            { name: 'Katrin Vogel', role: 'CFO', bio: 'Katrin joined in March 2026 from a Düsseldorf chemicals group.' },
            { name: 'Tomasz Wiśniewski', role: 'COO' },
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      title: 'Konditionen – Rheinwerk Logistik',
      description: 'How contract logistics is priced at Rheinwerk.',
      blocks: [
        {
          kind: 'prose',
          title: 'Pricing',
          paragraphs: [
            'Contract logistics is priced per project on an open-book basis: a fixed monthly management fee plus cost-plus handling rates, reviewed every year.',
            'Contact sales for a tender response. We answer RFQs within ten working days.',
          ],
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Karriere',
      title: 'Karriere – Rheinwerk Logistik',
      description: 'Jobs at Rheinwerk.',
      blocks: [
        {
          kind: 'roles',
          roles: [
            { title: 'Accounts Payable Accountant (Kreditorenbuchhaltung)', department: 'Finance', location: 'Duisburg' },
            { title: 'SAP FI/CO Consultant (in-house)', department: 'IT', location: 'Duisburg' },
            { title: 'Schichtleiter Lager (m/w/d)', department: 'Operations', location: 'Dortmund' },
            { title: 'Disponent Intermodal (m/w/d)', department: 'Transport', location: 'Duisburg' },
            { title: 'Magazijnmedewerker', department: 'Operations', location: 'Venlo, NL' },
          ],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'Presse',
      title: 'Presse – Rheinwerk Logistik',
      description: 'Press releases.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-10-07', title: 'S/4HANA go-live for finance', body: ['Finance, controlling and procurement moved to SAP S/4HANA over the October weekend; logistics modules follow in 2027.'] },
            { date: '2026-03-03', title: 'Katrin Vogel appointed CFO', body: ['Katrin Vogel has been appointed Chief Financial Officer of Rheinwerk Logistik GmbH.'] },
            { date: '2025-09-22', title: 'New site in Poznań', body: ['A 42,000 m² cross-dock in Poznań connects our rail shuttle to Polish automotive plants.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Referenzen',
      title: 'Referenzen – Rheinwerk Logistik',
      description: 'References.',
      blocks: [
        {
          kind: 'stories',
          items: [
            { company: 'Vosskamp Automotive', industry: 'Automotive', summary: 'Just-in-sequence supply of seats and door panels to two assembly plants.', result: '99.98% line-feed reliability.' },
            { company: 'Lindner Chemie', industry: 'Chemicals', summary: 'Hazardous goods warehouse with 28,000 pallet places in Krefeld.' },
          ],
        },
      ],
    },
    {
      file: 'contact.html',
      nav: 'Kontakt',
      title: 'Kontakt – Rheinwerk Logistik',
      description: 'Contact Rheinwerk Logistik.',
      blocks: [{ kind: 'contact', title: 'Kontakt', offices: [{ label: 'Zentrale Duisburg', lines: ['Hafenstraße 41', '47119 Duisburg', 'Deutschland'] }, { label: 'Venlo', lines: ['Venrayseweg 90', '5928 RH Venlo', 'Nederland'] }], email: 'vertrieb@rheinwerk-logistik.example', phone: '+49 203 5550 100' }],
    },
    {
      file: 'team.html',
      title: 'Team – Rheinwerk Logistik',
      description: 'Managing directors and site leaders.',
      blocks: [
        {
          kind: 'people',
          title: 'Our site leaders',
          items: [
            { name: 'Sabine Köhler', role: 'Head of Finance Operations', bio: 'Leads accounts payable, travel expenses and the shared service centre in Duisburg.' },
            { name: 'Jan de Wit', role: 'Site Director Venlo' },
            { name: 'Agnieszka Nowak', role: 'Site Director Poznań' },
          ],
        },
      ],
    },
  ],
};

const cascade: Site = {
  domain: 'cascade-freightworks.example',
  name: 'Cascade Freightworks',
  legalName: 'Cascade Freightworks, LLC',
  theme: 'wordpress',
  fit: 'midmarket-logistics',
  color: '#166534',
  tagline: 'Regional LTL across the Pacific Northwest.',
  foundingDate: '1992-05-01',
  employees: 1750,
  address: { street: '9100 NE Columbia Blvd', city: 'Portland', region: 'OR', postalCode: '97220', country: 'US' },
  phone: '(503) 555-0175',
  sameAs: ['https://www.linkedin.com/company/cascade-freightworks', 'https://www.facebook.com/cascadefreightworks'],
  trackers: ['gtm', 'facebook', 'hubspot'],
  pages: [
    {
      file: 'index.html',
      title: 'Cascade Freightworks – Pacific Northwest LTL Carrier',
      description: 'Next-day LTL across Oregon, Washington, Idaho and Northern California from 38 terminals.',
      blocks: [
        { kind: 'hero', headline: 'Next-day LTL across the Northwest', subhead: 'Cascade Freightworks moves less-than-truckload freight between 38 terminals in Oregon, Washington, Idaho and Northern California.', cta: { label: 'Get a rate quote', href: 'https://cascade-freightworks.example/pricing/' } },
        { kind: 'stats', items: [['38', 'terminals'], ['1,150', 'tractors'], ['97.8%', 'on-time delivery'], ['0.3%', 'claims ratio']] },
        {
          kind: 'features',
          items: [
            { title: 'Regional LTL', body: 'Overnight service between every Cascade terminal within 500 miles.' },
            { title: 'Guaranteed service', body: 'Time-definite delivery windows backed by a money-back guarantee.' },
            { title: 'Online tools', body: 'Rate quotes, pickups, tracking and proof of delivery in the Cascade customer portal.' },
          ],
        },
        { kind: 'logos', title: 'Shipping for', names: ['Willamette Millworks', 'Evergreen Grocers Co-op', 'Skagit Valley Seeds', 'Rainier Pet Supply'] },
        { kind: 'testimonials', items: [{ quote: 'Cascade picks up at 4 and delivers in Boise by 10 the next morning. Every time.', name: 'Jill Morrow', role: 'Shipping Manager', company: 'Willamette Millworks' }] },
      ],
    },
    {
      file: 'about.html',
      nav: 'About',
      title: 'About Us – Cascade Freightworks',
      description: 'Employee-owned regional LTL carrier.',
      blocks: [
        {
          kind: 'prose',
          paragraphs: [
            'Cascade Freightworks was founded in Portland, Oregon in 1992 with eleven trucks and a promise to deliver overnight anywhere in the Willamette Valley.',
            'We are a regional less-than-truckload carrier with 1,750 employees, 38 terminals and 1,150 tractors. Since 2019 Cascade has been 40% employee-owned through an ESOP.',
            'In 2026 we began our expansion into Idaho and Montana, opening terminals in Boise, Idaho Falls and Missoula.',
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Rates',
      title: 'Rates & Accessorials – Cascade Freightworks',
      description: 'Accessorial charges and fuel surcharge.',
      blocks: [
        { kind: 'prose', paragraphs: ['Base LTL rates are quoted by lane, weight and class through our rate quote tool. Accessorial charges below apply to all shipments.'] },
        {
          kind: 'table',
          head: ['Accessorial', 'Charge'],
          rows: [
            ['Liftgate delivery', '$95.00'],
            ['Residential delivery', '$110.00'],
            ['Inside delivery', '$125.00'],
            ['Appointment / notify before delivery', '$35.00'],
          ],
          note: 'Fuel surcharge is updated weekly from the DOE diesel index.',
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers – Cascade Freightworks',
      description: 'Drive for Cascade, or join our Portland office.',
      blocks: [
        {
          kind: 'roles',
          roles: [
            { title: 'CDL-A Linehaul Driver', department: 'Drivers', location: 'Portland, OR' },
            { title: 'P&D Driver', department: 'Drivers', location: 'Boise, ID' },
            { title: 'Accounts Payable Clerk', department: 'Accounting', location: 'Portland, OR' },
            { title: 'Freight Bill Auditor', department: 'Accounting', location: 'Portland, OR' },
            { title: 'Terminal Manager', department: 'Operations', location: 'Missoula, MT' },
          ],
          perks: ['Employee ownership (ESOP)', 'Home every night on P&D routes', 'Paid CDL training'],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'News',
      title: 'News – Cascade Freightworks',
      description: 'Cascade news.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-09-30', title: 'Marcus Oyelaran joins Cascade as CFO', body: ['Cascade Freightworks has named Marcus Oyelaran Chief Financial Officer. Marcus was previously VP Finance at a national truckload carrier.', 'He succeeds Linda Park, who retires after 22 years with the company.'] },
            { date: '2026-06-02', title: 'Boise terminal opens', body: ['Our new 96-door Boise cross-dock is the first step of our expansion into Idaho and Montana.'] },
            { date: '2025-10-15', title: 'Cascade named a top regional carrier', body: ['Shippers voted Cascade one of the top five regional LTL carriers in the West for the third year.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers – Cascade Freightworks',
      description: 'Customer stories.',
      blocks: [
        {
          kind: 'stories',
          items: [
            { company: 'Evergreen Grocers Co-op', summary: 'Daily store replenishment to 64 co-op grocery stores from a Kent, Washington DC.' },
            { company: 'Skagit Valley Seeds', summary: 'Seasonal peaks of 400 shipments a day moved overnight to farm stores.' },
          ],
        },
      ],
    },
  ],
};

const tidewater: Site = {
  domain: 'tidewater-packaging.example',
  name: 'Tidewater Packaging',
  legalName: 'Tidewater Packaging Corporation',
  theme: 'bootstrap',
  fit: 'midmarket-logistics',
  color: '#0f766e',
  tagline: 'Corrugated boxes, displays and protective packaging, made in Virginia.',
  foundingDate: '1965-03-01',
  employees: 480,
  address: { street: '2200 Campostella Road', city: 'Norfolk', region: 'VA', postalCode: '23523', country: 'US' },
  phone: '(757) 555-0133',
  sameAs: ['https://www.linkedin.com/company/tidewater-packaging'],
  trackers: ['ga4', 'hubspot'],
  pages: [
    {
      file: 'index.html',
      title: 'Tidewater Packaging | Corrugated Packaging Manufacturer',
      description: 'Custom corrugated boxes, retail displays and foam inserts from plants in Virginia and South Carolina.',
      blocks: [
        { kind: 'hero', headline: 'Boxes built for the trip.', subhead: 'Custom corrugated packaging, point-of-purchase displays and protective inserts from two East Coast plants.', cta: { label: 'Request samples', href: 'contact.html' } },
        { kind: 'stats', items: [['60', 'years in corrugated'], ['2', 'manufacturing plants'], ['1.4 billion', 'square feet a year'], ['5-day', 'standard lead time']] },
        {
          kind: 'features',
          items: [
            { title: 'Custom corrugated', body: 'Single, double and triple wall boxes up to 110 inches, flexo printed in up to six colors.' },
            { title: 'Retail displays', body: 'Pallet and counter displays designed by our in-house structural team.' },
            { title: 'Protective packaging', body: 'Die-cut foam and molded pulp inserts for electronics and glass.' },
          ],
        },
        { kind: 'logos', title: 'Packaging brands like', names: ['Chesapeake Spirits', 'Blue Ridge Furniture', 'Coastal Candle Co.', 'Piedmont Appliances'] },
      ],
    },
    {
      file: 'about.html',
      nav: 'About Us',
      title: 'About Tidewater Packaging',
      description: 'Family-run corrugated manufacturer since 1965.',
      blocks: [
        {
          kind: 'prose',
          paragraphs: [
            'Tidewater Packaging has made corrugated boxes in Norfolk, Virginia since 1965. We are an independent, third-generation family business.',
            'Our 480 employees run two plants: the original Norfolk sheet plant and a new 300,000-square-foot plant in Greenville, South Carolina.',
            'We are a corrugated packaging manufacturer certified to FSC and SFI chain-of-custody standards.',
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      title: 'Pricing | Tidewater Packaging',
      description: 'Stock box pricing.',
      blocks: [
        {
          kind: 'table',
          title: 'Stock box price list',
          head: ['Size (inches)', 'Bundle', 'Price per bundle'],
          rows: [['12 x 12 x 12', '25', '$31.75'], ['18 x 12 x 12', '25', '$38.50'], ['24 x 18 x 18', '20', '$64.00']],
          note: 'Custom packaging is quoted per project. Free delivery within 150 miles on orders over $2,500.',
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers | Tidewater Packaging',
      description: 'Jobs at Tidewater.',
      blocks: [
        {
          kind: 'roles',
          roles: [
            { title: 'Accounts Payable Clerk', department: 'Accounting', location: 'Norfolk, VA' },
            { title: 'Plant Controller', department: 'Accounting', location: 'Greenville, SC' },
            { title: 'Flexo Press Operator', department: 'Production', location: 'Greenville, SC' },
            { title: 'Structural Designer', department: 'Design', location: 'Norfolk, VA' },
          ],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'News',
      title: 'News | Tidewater Packaging',
      description: 'Tidewater news.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-07-21', title: 'Tidewater acquires Bayline Box Co.', body: ['Tidewater Packaging has acquired Bayline Box Co. of Baltimore, adding a third plant and 120 employees.'] },
            { date: '2026-02-09', title: 'Greenville plant starts production', body: ['Our new Greenville, South Carolina plant shipped its first order in February.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers | Tidewater Packaging',
      description: 'Customer stories.',
      blocks: [
        {
          kind: 'stories',
          items: [
            { company: 'Chesapeake Spirits', summary: 'Six-bottle shippers and holiday displays for a craft distillery with national distribution.' },
            { company: 'Piedmont Appliances', summary: 'Triple-wall cartons with molded pulp inserts for countertop appliances.', result: 'Damage claims down 52%.' },
          ],
        },
      ],
    },
    {
      file: 'contact.html',
      nav: 'Contact',
      title: 'Contact | Tidewater Packaging',
      description: 'Contact us.',
      blocks: [{ kind: 'contact', offices: [{ label: 'Norfolk plant', lines: ['2200 Campostella Road', 'Norfolk, VA 23523'] }, { label: 'Greenville plant', lines: ['15 Brookfield Parkway', 'Greenville, SC 29607'] }], phone: '(757) 555-0133' }],
    },
  ],
};

const meridian: Site = {
  domain: 'meridian-supply.example',
  name: 'Meridian Supply Chain Partners',
  legalName: 'Meridian Supply Chain Partners, Inc.',
  theme: 'utility',
  fit: 'midmarket-logistics',
  color: '#6d28d9',
  tagline: 'Fourth-party logistics for manufacturers that outgrew their freight desk.',
  foundingDate: '2006-01-15',
  employees: 3100,
  address: { street: '233 S Wacker Drive, Suite 4100', city: 'Chicago', region: 'IL', postalCode: '60606', country: 'US' },
  phone: '(312) 555-0160',
  sameAs: ['https://www.linkedin.com/company/meridian-supply-chain-partners', 'https://twitter.com/meridian4pl'],
  trackers: ['gtm', 'segment', 'drift', 'linkedin'],
  robots: 'User-agent: *\nDisallow: /internal/\n\nSitemap: https://meridian-supply.example/sitemap.xml\n',
  files: {
    'sitemap.xml':
      '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n  <url><loc>https://meridian-supply.example/</loc></url>\n  <url><loc>https://meridian-supply.example/about</loc></url>\n  <url><loc>https://meridian-supply.example/pricing</loc></url>\n  <url><loc>https://meridian-supply.example/careers</loc></url>\n  <url><loc>https://meridian-supply.example/news</loc></url>\n  <url><loc>https://meridian-supply.example/customers</loc></url>\n</urlset>\n',
  },
  footerColumns: [
    { title: 'Services', links: [{ label: 'Managed transportation', href: 'https://meridian-supply.example/about' }, { label: 'Pricing', href: 'https://meridian-supply.example/pricing' }] },
    { title: 'Company', links: [{ label: 'Careers', href: 'https://meridian-supply.example/careers' }, { label: 'News', href: 'https://meridian-supply.example/news' }, { label: 'Customers', href: 'https://meridian-supply.example/customers' }] },
    { title: 'Partners', links: [{ label: 'Carrier portal', href: 'https://meridian-supply.example/internal/rate-floors' }] },
  ],
  pages: [
    {
      file: 'index.html',
      title: 'Meridian Supply Chain Partners | 4PL & Managed Transportation',
      description: 'Meridian runs freight, warehousing networks and supply chain control towers for North American manufacturers.',
      blocks: [
        { kind: 'hero', eyebrow: 'Managed logistics', headline: 'One partner for your whole supply chain.', subhead: 'Meridian plans, buys and controls freight and warehousing for manufacturers spending $20M–$500M a year on logistics.', cta: { label: 'Book a network review', href: 'https://meridian-supply.example/contact' } },
        { kind: 'stats', items: [['$2.8B', 'freight under management'], ['14%', 'average first-year savings'], ['6,500', 'contracted carriers'], ['3', 'control towers']] },
        {
          kind: 'features',
          items: [
            { title: 'Managed transportation', body: 'We run procurement, tendering, tracking and freight audit on your behalf, across all modes.' },
            { title: 'Network design', body: 'Modeling of plant, DC and carrier networks using your actual shipment history.' },
            { title: 'Cross-border Mexico', body: 'Customs brokerage and transload in Laredo and Monterrey for nearshored production.' },
          ],
        },
        { kind: 'logos', title: 'Manufacturers that run on Meridian', names: ['Hallett Industrial', 'Crestline Appliances', 'Ozark Plastics', 'Gemini Auto Parts'] },
        { kind: 'testimonials', items: [{ quote: 'Meridian took over 11,000 loads a year and cut our freight spend by 17% in the first twelve months.', name: 'Rebecca Stone', role: 'VP Supply Chain', company: 'Crestline Appliances' }] },
      ],
    },
    {
      file: 'about.html',
      nav: 'About',
      title: 'About Meridian',
      description: 'A Chicago 4PL with 3,100 employees.',
      blocks: [
        {
          kind: 'prose',
          paragraphs: [
            'Meridian Supply Chain Partners is a fourth-party logistics (4PL) provider headquartered in Chicago, Illinois. We were founded in 2006 by former manufacturing supply chain leaders.',
            'With 3,100 employees in the US, Canada and Mexico, we manage $2.8 billion of freight spend for 140 manufacturers.',
            'Our control towers run on Oracle Transportation Management, and our freight audit and pay team processes 1.9 million carrier invoices a year.',
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Pricing',
      title: 'Pricing | Meridian',
      description: 'How Meridian is priced.',
      blocks: [
        {
          kind: 'tiers',
          tiers: [
            { name: 'Freight audit & pay', price: '$0.85', period: 'per invoice', features: ['Duplicate and rate checks', 'GL coding', 'Weekly carrier payment runs'] },
            { name: 'Managed transportation', price: '3.5%', period: 'of freight under management', features: ['Procurement and tendering', 'Control tower', 'Quarterly business reviews'], highlight: true },
            { name: 'Network design', price: 'Contact sales', features: ['Fixed-fee studies'] },
          ],
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers | Meridian',
      description: 'Join Meridian.',
      blocks: [
        {
          kind: 'roles',
          roles: [
            { title: 'Freight Audit Analyst', department: 'Finance Operations', location: 'Chicago, IL' },
            { title: 'Director of Accounts Payable', department: 'Finance', location: 'Chicago, IL' },
            { title: 'Customs Broker', department: 'Cross-border', location: 'Laredo, TX' },
            { title: 'Analista de Tráfico', department: 'Cross-border', location: 'Monterrey, MX' },
            { title: 'Transportation Analyst', department: 'Control Tower', location: 'Columbus, OH' },
          ],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'News',
      title: 'News | Meridian',
      description: 'Meridian news.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-09-09', title: 'Meridian acquires Frontera Customs Group', body: ['The acquisition of Frontera Customs Group, a Laredo customs broker, expands our cross-border Mexico services.'] },
            { date: '2026-01-20', title: 'Monterrey office opens', body: ['Our first office in Mexico opened in Monterrey with 60 employees.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers | Meridian',
      description: 'Customer results.',
      blocks: [
        {
          kind: 'stories',
          items: [
            { company: 'Crestline Appliances', summary: 'Managed transportation for 11,000 loads a year from three plants.', result: '17% freight savings in year one.' },
            { company: 'Ozark Plastics', summary: 'Network redesign consolidated five DCs into three.', result: '$4.1M annual savings.' },
          ],
        },
      ],
    },
    {
      file: 'internal/rate-floors.html',
      title: 'Carrier portal — rate floors (internal)',
      description: 'Internal page.',
      blocks: [
        { kind: 'prose', title: 'Carrier rate floors — internal use only', paragraphs: ['This page lists the minimum rates Meridian will accept on contracted lanes. Do not share outside procurement.', 'Chicago–Dallas dry van floor: $1.92 per mile. Chicago–Atlanta: $2.05 per mile.'] },
      ],
    },
    {
      file: 'contact.html',
      title: 'Contact | Meridian',
      description: 'Contact Meridian.',
      blocks: [{ kind: 'contact', offices: [{ label: 'Chicago HQ', lines: ['233 S Wacker Drive, Suite 4100', 'Chicago, IL 60606'] }, { label: 'Monterrey', lines: ['Av. Constitución 2050', 'Monterrey, N.L. 64000', 'Mexico'] }], phone: '(312) 555-0160', email: 'solutions@meridian-supply.example' }],
    },
  ],
};

const polderport: Site = {
  domain: 'polderport-logistics.example',
  name: 'Polderport Logistics',
  legalName: 'Polderport Logistics B.V.',
  theme: 'wordpress',
  fit: 'midmarket-logistics',
  color: '#ea580c',
  tagline: 'E-commerce fulfilment and cross-dock for Europe, from Venlo.',
  foundingDate: '2014-03-01',
  employees: 380,
  address: { street: 'Celsiusweg 18', city: 'Venlo', postalCode: '5928 PR', country: 'NL' },
  phone: '+31 77 555 0190',
  sameAs: ['https://www.linkedin.com/company/polderport', 'https://www.instagram.com/polderport'],
  trackers: ['ga4', 'hotjar', 'intercom'],
  pages: [
    {
      file: 'index.html',
      title: 'Polderport Logistics – E-commerce fulfilment in Europe',
      description: 'Pan-European fulfilment from Venlo: storage, pick & pack, returns and cross-dock for online brands.',
      blocks: [
        { kind: 'hero', headline: 'Fulfilment for brands that sell across Europe', subhead: 'One warehouse in Venlo, next-day delivery to Germany, Benelux and France, and returns handled in 24 hours.', cta: { label: 'Calculate your price', href: 'https://polderport-logistics.example/pricing/' } },
        { kind: 'stats', items: [['120', 'online brands'], ['38,000', 'orders a day at peak'], ['99.8%', 'pick accuracy'], ['24h', 'returns processing']] },
        {
          kind: 'features',
          items: [
            { title: 'Fulfilment', body: 'Pick, pack and ship with cut-off at 23:00 for next-day delivery in Germany and the Netherlands.' },
            { title: 'Returns', body: 'Grading, refurbishing and restocking within 24 hours of arrival.' },
            { title: 'Cross-dock', body: 'Container devanning and cross-dock for marketplaces like Zalando and bol.' },
          ],
        },
        { kind: 'logos', title: 'Brands shipping from Polderport', names: ['Fjell Outdoor', 'Maison Loup', 'Kokosnoot Kids', 'Studio Verve'] },
        { kind: 'testimonials', items: [{ quote: 'Polderport got us into Germany without opening a single warehouse of our own.', name: 'Ingrid Solberg', role: 'Founder', company: 'Fjell Outdoor' }] },
      ],
    },
    {
      file: 'about.html',
      nav: 'About us',
      title: 'About us – Polderport Logistics',
      description: 'About Polderport.',
      blocks: [
        {
          kind: 'prose',
          paragraphs: [
            'Polderport Logistics was founded in 2014 in Venlo, the Netherlands, a town that sits an hour from the Ruhr and two hours from Antwerp.',
            'We are an e-commerce fulfilment company with 380 employees and two warehouses totalling 72,000 m².',
            'Our WMS is built in-house and connects to Shopify, Magento and Shopware. Our finance team is moving from Exact Online to NetSuite this year as we open our third site.',
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Pricing',
      title: 'Pricing – Polderport Logistics',
      description: 'Fulfilment pricing.',
      blocks: [
        {
          kind: 'tiers',
          tiers: [
            { name: 'Launch', price: '€ 1.45', period: 'per order', features: ['Up to 1,500 orders a month', 'Storage € 0.35 per bin per week'] },
            { name: 'Scale', price: '€ 1.15', period: 'per order', features: ['1,500–20,000 orders a month', 'Dedicated account manager', 'Marketplace integrations'], highlight: true },
            { name: 'Enterprise', price: 'On request', features: ['20,000+ orders a month', 'Dedicated zone'] },
          ],
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Jobs',
      title: 'Jobs – Polderport Logistics',
      description: 'Vacatures.',
      blocks: [
        {
          kind: 'roles',
          roles: [
            { title: 'Finance Manager', department: 'Finance', location: 'Venlo' },
            { title: 'Crediteurenadministrateur (Accounts Payable)', department: 'Finance', location: 'Venlo' },
            { title: 'Teamleider Returns', department: 'Operations', location: 'Venlo' },
            { title: 'Integration Developer', department: 'IT', location: 'Venlo / remote' },
          ],
        },
      ],
    },
    {
      file: 'blog.html',
      nav: 'Blog',
      title: 'Blog – Polderport Logistics',
      description: 'News and insights.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-10-13', title: 'Our third warehouse: 40,000 m² in Venlo-Trade Port', body: ['Construction has started on a 40,000 m² warehouse that will double our capacity by autumn 2027.'], tag: 'Company news' },
            { date: '2026-06-30', title: 'Why we are moving to NetSuite', body: ['After eight years on Exact Online we are moving our finance stack to NetSuite to support multi-entity accounting in Germany and France.'], tag: 'Behind the scenes' },
            { date: '2026-02-17', title: 'Peak season 2025 in numbers', body: ['38,000 orders on Black Friday and a 99.8% pick accuracy.'], tag: 'Operations' },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers – Polderport Logistics',
      description: 'Customer cases.',
      blocks: [
        {
          kind: 'stories',
          items: [
            { company: 'Fjell Outdoor', industry: 'Outdoor apparel', summary: 'Norwegian outdoor brand entering Germany and the Netherlands.', result: 'Delivery time in Germany cut from 4 days to 1.' },
            { company: 'Maison Loup', industry: 'Home decor', summary: 'Returns refurbishment for a French homeware brand.' },
          ],
        },
      ],
    },
  ],
};

const granite: Site = {
  domain: 'granite-state-fabrication.example',
  name: 'Granite State Fabrication',
  legalName: 'Granite State Fabrication Co.',
  theme: 'bootstrap',
  fit: 'midmarket-logistics',
  color: '#334155',
  tagline: 'Industrial enclosures and custom steel fabrication.',
  foundingDate: '1988-08-01',
  employees: 260,
  address: { street: '45 Northeastern Boulevard', city: 'Nashua', region: 'NH', postalCode: '03062', country: 'US' },
  phone: '(603) 555-0124',
  sameAs: ['https://www.linkedin.com/company/granite-state-fabrication'],
  trackers: ['ga4', 'linkedin'],
  pages: [
    {
      file: 'index.html',
      title: 'Granite State Fabrication | Industrial Enclosures & Steel Fabrication',
      description: 'NEMA enclosures, machine guarding and structural steel fabricated in Nashua, New Hampshire.',
      blocks: [
        { kind: 'hero', headline: 'Built in New Hampshire. Built to last.', subhead: 'NEMA-rated enclosures, machine guarding and custom steel fabrication for OEMs and utilities.', cta: { label: 'Request a quote', href: 'contact.html' } },
        { kind: 'stats', items: [['260', 'fabricators, welders & engineers'], ['210,000', 'sq ft of shop floor'], ['35', 'years in business']] },
        {
          kind: 'features',
          items: [
            { title: 'NEMA enclosures', body: 'Type 4, 4X and 12 enclosures in carbon and stainless steel.' },
            { title: 'Machine guarding', body: 'Perimeter guarding and safety fencing designed to ISO 14120.' },
            { title: 'Structural steel', body: 'AISC-certified fabrication for mezzanines and platforms.' },
          ],
        },
        { kind: 'logos', title: 'Trusted by', names: ['Merrimack Power Cooperative', 'Atlantic Robotics', 'Seacoast Water Authority'] },
      ],
    },
    {
      file: 'about.html',
      nav: 'About',
      title: 'About | Granite State Fabrication',
      description: 'About Granite State Fabrication.',
      blocks: [
        {
          kind: 'prose',
          paragraphs: [
            'Granite State Fabrication was founded in 1988 in Nashua, New Hampshire. We are a custom steel fabrication and enclosure manufacturer with 260 employees.',
            'In 2026 we opened a second shop in Manchester and started our move from a home-grown job costing system to Epicor Kinetic ERP.',
            'We are AISC certified and UL 508A listed.',
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      title: 'Pricing | Granite State Fabrication',
      description: 'Quotes.',
      blocks: [
        { kind: 'prose', title: 'Quotes', paragraphs: ['Every job is quoted from drawings. Standard enclosure lines start at $1,250 per unit, with volume pricing from 25 units.'] },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers | Granite State Fabrication',
      description: 'Now hiring.',
      blocks: [
        {
          kind: 'roles',
          title: 'Now hiring',
          intro: 'We are growing fast and hiring in the shop and the office.',
          roles: [
            { title: 'Accounts Payable Clerk', department: 'Office', location: 'Nashua, NH' },
            { title: 'Accounts Payable Clerk (temp-to-hire)', department: 'Office', location: 'Manchester, NH' },
            { title: 'Controller', department: 'Office', location: 'Nashua, NH' },
            { title: 'MIG Welder, 1st shift', department: 'Shop', location: 'Nashua, NH' },
            { title: 'CNC Laser Operator', department: 'Shop', location: 'Manchester, NH' },
          ],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'News',
      title: 'News | Granite State Fabrication',
      description: 'News.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-08-04', title: 'Manchester shop opens', body: ['Our second shop, an 80,000-square-foot facility in Manchester, New Hampshire, is now cutting and welding.'] },
            { date: '2026-05-11', title: 'Epicor Kinetic rollout', body: ['We have selected Epicor Kinetic to replace our job costing system, with go-live planned for January.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers | Granite State Fabrication',
      description: 'Customers.',
      blocks: [
        {
          kind: 'stories',
          items: [
            { company: 'Merrimack Power Cooperative', summary: 'Stainless NEMA 4X enclosures for 120 substations.' },
            { company: 'Atlantic Robotics', summary: 'Machine guarding for robotic welding cells shipped to 14 states.' },
          ],
        },
      ],
    },
    {
      file: 'contact.html',
      title: 'Contact | Granite State Fabrication',
      description: 'Contact.',
      blocks: [{ kind: 'contact', offices: [{ label: 'Nashua', lines: ['45 Northeastern Boulevard', 'Nashua, NH 03062'] }], phone: '(603) 555-0124', email: 'quotes@granite-state-fabrication.example' }],
    },
  ],
};

const lakeshore: Site = {
  domain: 'lakeshore-dray.example',
  name: 'Lakeshore Drayage & Warehousing',
  legalName: 'Lakeshore Drayage & Warehousing LLC',
  theme: 'semantic',
  fit: 'midmarket-logistics',
  color: '#0369a1',
  tagline: 'Rail and port drayage, transload and container yards on the Great Lakes.',
  foundingDate: '2009-07-01',
  employees: 220,
  address: { street: '1200 S Harbor Drive', city: 'Milwaukee', region: 'WI', postalCode: '53207', country: 'US' },
  phone: '(414) 555-0182',
  sameAs: ['https://www.linkedin.com/company/lakeshore-dray'],
  trackers: ['gtm', 'intercom'],
  pages: [
    {
      file: 'index.html',
      title: 'Lakeshore Drayage & Warehousing — Milwaukee & Chicago',
      description: 'Intermodal drayage, transload warehousing and container yards in Milwaukee and Chicago.',
      blocks: [
        { kind: 'hero', headline: 'From the rail ramp to your dock, same day.', subhead: 'Intermodal and port drayage, transload and container storage from yards in Milwaukee and Chicago.', cta: { label: 'Book a dray', href: '/contact' } },
        { kind: 'stats', items: [['140', 'power units'], ['3', 'container yards'], ['62,000', 'containers moved in 2025']] },
        {
          kind: 'features',
          items: [
            { title: 'Intermodal drayage', body: 'Pick-ups at every Chicago rail ramp and the Port of Milwaukee.' },
            { title: 'Transload', body: '40-foot to 53-foot transload in our Franklin, Wisconsin warehouse.' },
            { title: 'Overweight & hazmat', body: 'Tri-axle chassis and hazmat-endorsed drivers.' },
          ],
        },
        { kind: 'logos', title: 'Moving boxes for', names: ['Badger Brewing Supply', 'Kettle Moraine Foods', 'Lakeview Furniture'] },
      ],
    },
    {
      file: 'about.html',
      nav: 'About',
      title: 'About — Lakeshore Drayage & Warehousing',
      description: 'About us.',
      blocks: [
        {
          kind: 'prose',
          paragraphs: [
            'Lakeshore Drayage & Warehousing is based in Milwaukee, Wisconsin. We started in 2009 with four trucks at the Port of Milwaukee.',
            'Today we have 220 employees, 140 power units and three container yards, plus a 150,000-square-foot transload warehouse in Franklin.',
            'In 2026 we took growth investment from Great Lakes Logistics Partners to open a Chicago yard in Joliet.',
          ],
        },
      ],
    },
    {
      file: 'pricing.html',
      nav: 'Rates',
      title: 'Rates — Lakeshore Drayage & Warehousing',
      description: 'Drayage rates.',
      blocks: [
        {
          kind: 'table',
          head: ['Move', 'Base rate'],
          rows: [['Chicago ramp to Chicagoland (0–25 mi)', '$385'], ['Chicago ramp to Milwaukee', '$690'], ['Container storage per day', '$45'], ['Transload 40′ to 53′', '$325']],
          note: 'Chassis split and fuel surcharge apply.',
        },
      ],
    },
    {
      file: 'careers.html',
      nav: 'Careers',
      title: 'Careers — Lakeshore Drayage & Warehousing',
      description: 'Drive with us.',
      blocks: [
        {
          kind: 'roles',
          roles: [
            { title: 'Company Drayage Driver (CDL-A)', department: 'Drivers', location: 'Joliet, IL' },
            { title: 'Dispatcher', department: 'Operations', location: 'Milwaukee, WI' },
            { title: 'Billing & AP Coordinator', department: 'Finance', location: 'Milwaukee, WI' },
          ],
        },
      ],
    },
    {
      file: 'news.html',
      nav: 'News',
      title: 'News — Lakeshore Drayage & Warehousing',
      description: 'News.',
      blocks: [
        {
          kind: 'news',
          items: [
            { date: '2026-09-01', title: 'Joliet yard opens', body: ['Our new 22-acre container yard in Joliet, Illinois serves the BNSF and UP ramps.'] },
            { date: '2026-03-18', title: 'Growth investment from Great Lakes Logistics Partners', body: ['Lakeshore has received a growth investment from Great Lakes Logistics Partners to fund expansion into Chicago.'] },
          ],
        },
      ],
    },
    {
      file: 'customers.html',
      nav: 'Customers',
      title: 'Customers — Lakeshore Drayage & Warehousing',
      description: 'Customers.',
      blocks: [
        { kind: 'stories', items: [{ company: 'Kettle Moraine Foods', summary: 'Import containers from the ramp to the Franklin transload, then straight to retail DCs.' }] },
      ],
    },
    {
      file: 'contact.html',
      title: 'Contact — Lakeshore Drayage & Warehousing',
      description: 'Contact.',
      blocks: [{ kind: 'contact', offices: [{ label: 'Milwaukee', lines: ['1200 S Harbor Drive', 'Milwaukee, WI 53207'] }, { label: 'Joliet yard', lines: ['2700 Channahon Road', 'Joliet, IL 60436'] }], phone: '(414) 555-0182' }],
    },
  ],
};

export const logisticsSites: Site[] = [keelhaul, brightpallet, ironbridge, northstar, rheinwerk, cascade, tidewater, meridian, polderport, granite, lakeshore];

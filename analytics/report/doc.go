// Package report writes the SOP's reports from the results of package
// analytics, for the Requestor, the Data Manager and the mHero Leadership
// Team:
//
//   - [Overview], the Use Case Overview Report: one self-contained HTML
//     file (inline SVG charts, no script, nothing fetched from the
//     network, so it opens on a Director's laptop offline and prints on
//     A4), the same in Markdown, and a PDF printed from the HTML by
//     headless Chromium when it is installed;
//   - [Analysis], the Analysis Report: each question in detail, with its
//     answers cross-tabulated by district and cadre;
//   - [MonitoringTool], the Monitoring Tool: an Excel workbook with a
//     sheet per view and native charts, and the same tables as CSV;
//   - [Monthly], the monthly report for the Leadership Team across every
//     workflow sent in a month;
//   - [FlowResults], the results as a FLOIP Flow Results package, and
//     [WriteBack], one QuestionnaireResponse per run in iHRIS.
//
// Every report masks phone numbers unless [Options].ShowPhones says
// otherwise. Each view (the funnel, the rates by district, ...) is built
// once and rendered in every format, so the HTML, the Markdown, the
// workbook and the CSV files always hold the same numbers.
package report

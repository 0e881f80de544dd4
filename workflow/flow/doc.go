// Package flow holds RapidPro flow definitions (goflow spec 13.x) and the
// export files that carry them: what RapidPro's Settings → Import accepts.
//
// [ParseExport] reads any RapidPro export — the envelope version may be a
// string ("13", "13.0.0") or a number, and legacy envelopes (11.12) carrying
// 13.x flows are read too — into typed structs: [Export], [Flow], [Node],
// [Router], [Case], [Category], [Exit] and one struct per action type
// ([SendMsg], [SetContactField], ...; others read as [OtherAction]).
// Members the package doesn't model are kept in each struct's Extra, so
// [MarshalExport] writes back equivalent JSON, with a stable member order:
// the same export always gives the same bytes. Malformed input gives an
// [*Error] with a line, column and the path of the member at fault.
//
// Nothing here touches the network.
package flow

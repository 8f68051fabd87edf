// Command gen draws the add-on's icon.png (128×128) and logo.png (250×100)
// into the repository root: a rounded square in Home Assistant blue with a
// rising bar chart and trend arrow, and beside it on the logo a stroked
// "LifeOps" wordmark. Shapes are signed-distance functions sampled 4×4 per
// pixel, so the edges are smooth without any drawing library.
//
// Run from the repository root: go run ./addon/icons/gen
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
)

// shape reports whether the point (x, y) is inside.
type shape func(x, y float64) bool

// layer is a shape filled with a colour that may vary over the image.
type layer struct {
	in  shape
	col func(x, y float64) color.NRGBA
}

func solid(c color.NRGBA) func(x, y float64) color.NRGBA {
	return func(float64, float64) color.NRGBA { return c }
}

const samples = 4

// render paints the layers in order over a transparent w×h image.
func render(w, h int, layers []layer) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for py := 0; py < h; py++ {
		for px := 0; px < w; px++ {
			var r, g, b, a float64 // premultiplied
			for sy := 0; sy < samples; sy++ {
				for sx := 0; sx < samples; sx++ {
					x := float64(px) + (float64(sx)+0.5)/samples
					y := float64(py) + (float64(sy)+0.5)/samples
					var cr, cg, cb, ca float64
					for _, l := range layers {
						if !l.in(x, y) {
							continue
						}
						c := l.col(x, y)
						la := float64(c.A) / 255
						cr = float64(c.R)/255*la + cr*(1-la)
						cg = float64(c.G)/255*la + cg*(1-la)
						cb = float64(c.B)/255*la + cb*(1-la)
						ca = la + ca*(1-la)
					}
					r, g, b, a = r+cr, g+cg, b+cb, a+ca
				}
			}
			n := float64(samples * samples)
			r, g, b, a = r/n, g/n, b/n, a/n
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8(math.Round(r / a * 255)), G: uint8(math.Round(g / a * 255)),
				B: uint8(math.Round(b / a * 255)), A: uint8(math.Round(a * 255)),
			})
		}
	}
	return img
}

func roundRect(x0, y0, x1, y1, rad float64) shape {
	return func(x, y float64) bool {
		cx := math.Max(x0+rad, math.Min(x, x1-rad))
		cy := math.Max(y0+rad, math.Min(y, y1-rad))
		return x >= x0 && x <= x1 && y >= y0 && y <= y1 && math.Hypot(x-cx, y-cy) <= rad
	}
}

// segment is a line from (ax, ay) to (bx, by) with round caps.
func segment(ax, ay, bx, by, width float64) shape {
	return func(x, y float64) bool {
		dx, dy := bx-ax, by-ay
		t := math.Max(0, math.Min(1, ((x-ax)*dx+(y-ay)*dy)/(dx*dx+dy*dy)))
		return math.Hypot(x-ax-t*dx, y-ay-t*dy) <= width/2
	}
}

func disc(cx, cy, r float64) shape {
	return func(x, y float64) bool { return math.Hypot(x-cx, y-cy) <= r }
}

// arc is a stroke along a circle from angle a0 to a1 (radians, clockwise on
// screen since y points down), with round ends.
func arc(cx, cy, r, a0, a1, width float64) shape {
	end0 := disc(cx+r*math.Cos(a0), cy+r*math.Sin(a0), width/2)
	end1 := disc(cx+r*math.Cos(a1), cy+r*math.Sin(a1), width/2)
	return func(x, y float64) bool {
		a := math.Atan2(y-cy, x-cx)
		for a < a0 {
			a += 2 * math.Pi
		}
		for a >= a0+2*math.Pi {
			a -= 2 * math.Pi
		}
		if a <= a1 && math.Abs(math.Hypot(x-cx, y-cy)-r) <= width/2 {
			return true
		}
		return end0(x, y) || end1(x, y)
	}
}

func triangle(ax, ay, bx, by, cx, cy float64) shape {
	side := func(px, py, qx, qy, x, y float64) float64 { return (qx-px)*(y-py) - (qy-py)*(x-px) }
	return func(x, y float64) bool {
		d1, d2, d3 := side(ax, ay, bx, by, x, y), side(bx, by, cx, cy, x, y), side(cx, cy, ax, ay, x, y)
		neg, pos := d1 < 0 || d2 < 0 || d3 < 0, d1 > 0 || d2 > 0 || d3 > 0
		return !(neg && pos)
	}
}

func union(shapes ...shape) shape {
	return func(x, y float64) bool {
		for _, s := range shapes {
			if s(x, y) {
				return true
			}
		}
		return false
	}
}

var (
	haBlue     = color.NRGBA{0x03, 0xa9, 0xf4, 0xff}
	haBlueDark = color.NRGBA{0x02, 0x77, 0xbd, 0xff}
	white      = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	whiteSoft  = color.NRGBA{0xff, 0xff, 0xff, 0x66}
)

// emblem lays the icon's layers into the square (ox, oy, size).
func emblem(ox, oy, size float64) []layer {
	u := size / 128 // the design is on a 128 grid
	p := func(x, y float64) (float64, float64) { return ox + x*u, oy + y*u }
	top, bottom := color.NRGBA{0x29, 0xb6, 0xf6, 0xff}, color.NRGBA{0x02, 0x88, 0xd1, 0xff}
	gradient := func(_, y float64) color.NRGBA {
		t := math.Max(0, math.Min(1, (y-oy)/size))
		mix := func(a, b uint8) uint8 { return uint8(float64(a) + (float64(b)-float64(a))*t) }
		return color.NRGBA{mix(top.R, bottom.R), mix(top.G, bottom.G), mix(top.B, bottom.B), 0xff}
	}
	x0, y0 := p(4, 4)
	x1, y1 := p(124, 124)
	layers := []layer{{roundRect(x0, y0, x1, y1, 28*u), gradient}}

	var bars []shape
	for i, height := range []float64{26, 40, 56} {
		bx0, by0 := p(26+float64(i)*26, 102-height)
		bx1, by1 := p(44+float64(i)*26, 102)
		bars = append(bars, roundRect(bx0, by0, bx1, by1, 4*u))
	}
	layers = append(layers, layer{union(bars...), solid(whiteSoft)})

	pts := [][2]float64{{22, 84}, {46, 62}, {66, 72}, {96, 40}}
	var line []shape
	for i := 1; i < len(pts); i++ {
		ax, ay := p(pts[i-1][0], pts[i-1][1])
		bx, by := p(pts[i][0], pts[i][1])
		line = append(line, segment(ax, ay, bx, by, 9*u))
	}
	// The arrow head continues the last segment's direction.
	end, prev := pts[len(pts)-1], pts[len(pts)-2]
	dx, dy := end[0]-prev[0], end[1]-prev[1]
	l := math.Hypot(dx, dy)
	dx, dy = dx/l, dy/l
	tx, ty := p(end[0]+dx*14, end[1]+dy*14)
	lx, ly := p(end[0]-dx*4-dy*12, end[1]-dy*4+dx*12)
	rx, ry := p(end[0]-dx*4+dy*12, end[1]-dy*4-dx*12)
	line = append(line, triangle(tx, ty, lx, ly, rx, ry))
	return append(layers, layer{union(line...), solid(white)})
}

// glyph is one letter of the wordmark: its strokes for a given origin
// (baseline at oy), unit (x-height) and stroke width, and its advance.
type glyph struct {
	strokes func(ox, oy, u, w float64) shape
	advance float64 // in x-heights, without the gap
}

var glyphs = map[rune]glyph{
	'L': {func(ox, oy, u, w float64) shape {
		return union(segment(ox, oy-1.5*u, ox, oy, w), segment(ox, oy, ox+0.8*u, oy, w))
	}, 0.8},
	'i': {func(ox, oy, u, w float64) shape {
		return union(segment(ox, oy-u, ox, oy, w), disc(ox, oy-1.45*u, w*0.6))
	}, 0},
	'f': {func(ox, oy, u, w float64) shape {
		return union(segment(ox+0.2*u, oy-1.15*u, ox+0.2*u, oy, w),
			arc(ox+0.6*u, oy-1.15*u, 0.4*u, math.Pi, 1.5*math.Pi, w),
			segment(ox, oy-u, ox+0.6*u, oy-u, w))
	}, 0.6},
	'e': {func(ox, oy, u, w float64) shape {
		return union(arc(ox+0.5*u, oy-0.5*u, 0.5*u, 0.3*math.Pi, 2*math.Pi, w),
			segment(ox, oy-0.5*u, ox+u, oy-0.5*u, w))
	}, 1},
	'O': {func(ox, oy, u, w float64) shape {
		return arc(ox+0.75*u, oy-0.75*u, 0.75*u, 0, 2*math.Pi, w)
	}, 1.5},
	'p': {func(ox, oy, u, w float64) shape {
		return union(segment(ox, oy-u, ox, oy+0.55*u, w), arc(ox+0.5*u, oy-0.5*u, 0.5*u, 0, 2*math.Pi, w))
	}, 1},
	's': {func(ox, oy, u, w float64) shape {
		return union(arc(ox+0.35*u, oy-0.75*u, 0.25*u, 0.5*math.Pi, 1.95*math.Pi, w),
			arc(ox+0.35*u, oy-0.25*u, 0.25*u, -0.5*math.Pi, 0.95*math.Pi, w))
	}, 0.7},
}

// wordmark strokes text from (ox, baseline) with x-height u.
func wordmark(text string, ox, baseline, u float64, colour func(i int) color.NRGBA) []layer {
	w := 0.26 * u
	gap := 0.42 * u
	var layers []layer
	x := ox + w/2
	for i, r := range text {
		g := glyphs[r]
		layers = append(layers, layer{g.strokes(x, baseline, u, w), solid(colour(i))})
		x += g.advance*u + gap
	}
	return layers
}

func wordmarkWidth(text string, u float64) float64 {
	width := 0.0
	for _, r := range text {
		width += glyphs[r].advance*u + 0.42*u
	}
	return width - 0.42*u + 0.26*u
}

func write(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func main() {
	out := flag.String("out", ".", "directory to write icon.png and logo.png into")
	flag.Parse()

	icon := render(128, 128, emblem(0, 0, 128))

	const text = "LifeOps"
	u := math.Min(20, (250-92-10)/(wordmarkWidth(text, 1)))
	logo := render(250, 100, append(emblem(4, 8, 84),
		wordmark(text, 96, 58+0.5*u, u, func(i int) color.NRGBA {
			if i < 4 {
				return haBlueDark
			}
			return haBlue
		})...))

	for name, img := range map[string]image.Image{"icon.png": icon, "logo.png": logo} {
		if err := write(filepath.Join(*out, name), img); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}

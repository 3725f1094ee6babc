// Command genicon draws Leadsheet's app icon: a rounded square in a calm
// teal-to-blue gradient carrying a white sheet with grid lines and an arrow
// leaving it, the motif of "spreadsheet goes to Marketo".
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

const size = 512

// ss is the supersampling factor per axis: edges are anti-aliased by
// averaging ss*ss samples per pixel.
const ss = 4

func main() {
	out := flag.String("o", "icon.png", "output PNG file")
	flag.Parse()
	if err := write(*out); err != nil {
		log.Fatal(err)
	}
}

func write(path string) error {
	img := draw()
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create icon: %w", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("encode icon: %w", err)
	}
	return f.Close()
}

type rgba struct{ r, g, b, a float64 }

func over(dst, src rgba) rgba {
	a := src.a + dst.a*(1-src.a)
	if a == 0 {
		return rgba{}
	}
	mix := func(s, d float64) float64 { return (s*src.a + d*dst.a*(1-src.a)) / a }
	return rgba{mix(src.r, dst.r), mix(src.g, dst.g), mix(src.b, dst.b), a}
}

// roundedRect reports whether (x, y) lies inside the rectangle with corner radius r.
func roundedRect(x, y, x0, y0, x1, y1, r float64) bool {
	cx := math.Max(x0+r, math.Min(x, x1-r))
	cy := math.Max(y0+r, math.Min(y, y1-r))
	return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r && x >= x0 && x <= x1 && y >= y0 && y <= y1
}

// segment reports whether (x, y) is within w/2 of the segment a-b.
func segment(x, y, ax, ay, bx, by, w float64) bool {
	dx, dy := bx-ax, by-ay
	t := ((x-ax)*dx + (y-ay)*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	px, py := ax+t*dx-x, ay+t*dy-y
	return px*px+py*py <= w*w/4
}

// sample returns the colour of the icon at a point in 512-unit space.
func sample(x, y float64) rgba {
	var c rgba
	// Background tile: a rounded square with a diagonal gradient.
	if roundedRect(x, y, 24, 24, 488, 488, 104) {
		t := (x + y) / (2 * size)
		c = rgba{0.10 + 0.05*t, 0.62 - 0.22*t, 0.66 + 0.18*t, 1}
	}
	// Sheet: white card with a folded look given by a header band.
	const sx0, sy0, sx1, sy1 = 104.0, 120.0, 332.0, 400.0
	if roundedRect(x, y, sx0, sy0, sx1, sy1, 22) {
		c = over(c, rgba{1, 1, 1, 0.97})
		if y < sy0+58 {
			c = over(c, rgba{0.83, 0.93, 0.94, 1})
		}
		// Grid: two column rules and row rules below the header band.
		grid := rgba{0.55, 0.70, 0.74, 1}
		for _, gx := range []float64{180, 256} {
			if math.Abs(x-gx) < 3.5 && y > sy0+8 && y < sy1-8 {
				c = over(c, grid)
			}
		}
		for gy := sy0 + 58.0; gy < sy1-20; gy += 52 {
			if math.Abs(y-gy) < 3.5 && x > sx0+8 && x < sx1-8 {
				c = over(c, grid)
			}
		}
	}
	// Arrow leaving the sheet to the right: shaft with a round cap and a head.
	arrow := rgba{1, 0.76, 0.24, 1}
	if segment(x, y, 250, 300, 360, 300, 40) || segment(x, y, 398, 300, 330, 240, 40) || segment(x, y, 398, 300, 330, 360, 40) {
		// A thin dark rim keeps the arrow readable over the white sheet.
		c = over(c, rgba{0.07, 0.25, 0.36, 1})
	}
	if segment(x, y, 250, 300, 360, 300, 26) || segment(x, y, 398, 300, 330, 240, 26) || segment(x, y, 398, 300, 330, 360, 26) {
		c = over(c, arrow)
	}
	return c
}

func draw() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					c := sample(float64(px)+(float64(sx)+0.5)/ss, float64(py)+(float64(sy)+0.5)/ss)
					r += c.r * c.a
					g += c.g * c.a
					b += c.b * c.a
					a += c.a
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8(math.Round(255 * r / a)),
				G: uint8(math.Round(255 * g / a)),
				B: uint8(math.Round(255 * b / a)),
				A: uint8(math.Round(255 * a / (ss * ss))),
			})
		}
	}
	return img
}

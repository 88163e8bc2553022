import pytest
import torch

from ganlib import Generator
from ganlib.images import image_grid, interpolate, nearest_neighbours, show_grid, with_neighbours


def test_nearest_neighbours_against_brute_force():
    q, p = torch.rand(50, 7), torch.rand(300, 7)
    dist, idx = nearest_neighbours(q, p, chunk=16)
    for i in range(len(q)):
        d = [float(((q[i].double() - row.double()) ** 2).sum().sqrt()) for row in p]
        j = min(range(len(p)), key=d.__getitem__)
        assert int(idx[i]) == j and abs(float(dist[i]) - d[j]) < 1e-12


def test_a_copy_is_its_own_neighbour_at_distance_zero():
    p = torch.rand(100, 64)
    dist, idx = nearest_neighbours(p[[5, 17]], p)
    assert idx.tolist() == [5, 17] and dist.abs().max() == 0


def test_image_grid_places_each_tile():
    images = torch.arange(5 * 6, dtype=torch.float32).reshape(5, 6) / 30  # five 2×3 images
    picture = image_grid(images, (2, 3), ncols=2, pad=1, fill=-1.0)
    assert picture.shape == (3 * 3 + 1, 2 * 4 + 1)
    assert torch.equal(picture[1:3, 1:4], images[0].reshape(2, 3))
    assert torch.equal(picture[1:3, 5:8], images[1].reshape(2, 3))
    assert torch.equal(picture[7:9, 1:4], images[4].reshape(2, 3))
    assert (picture[7:9, 5:8] == -1).all()  # the missing sixth tile stays fill


def test_show_grid_outlines_one_column_of_tiles():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = torch.zeros(6, 2 * 3)  # two rows of three 2×3 tiles; column 1 bright, the rest dark
    images[[1, 4]] = 1.0
    fig, ax = plt.subplots()
    picture = show_grid(ax, images, (2, 3), ncols=3, outline=1)
    (frame,) = ax.patches
    x0, y0 = frame.get_xy()
    x1, y1 = x0 + frame.get_width(), y0 + frame.get_height()
    ys, xs = torch.nonzero(picture == 1.0, as_tuple=True)  # pixel centres of the bright tiles
    assert x0 < xs.min() - 0.5 and xs.max() + 0.5 < x1 and y0 <= ys.min() and ys.max() <= y1
    _, dark_xs = torch.nonzero(picture == 0.0, as_tuple=True)  # the other tiles: outside
    assert ((dark_xs + 0.5 <= x0) | (dark_xs - 0.5 >= x1)).all()
    plt.close(fig)
    with pytest.raises(ValueError, match=r"outline must be a column index in \[0, 3\), got 3"):
        show_grid(ax, images, (2, 3), ncols=3, outline=3)


def test_with_neighbours_appends_the_nearest_training_image():
    train = torch.rand(40, 4)
    samples = train[[3, 8, 1, 9]] + 0.001
    layout, dist = with_neighbours(samples, train, ncols=2)
    assert layout.shape == (6, 4)
    assert torch.equal(layout[2], train[8]) and torch.equal(layout[5], train[9])
    assert dist.max() < 0.01


def test_interpolate_is_g_on_the_straight_line():
    G = Generator(3, 2, hidden=(8,))
    z0, z1 = torch.zeros(2, 3), torch.ones(2, 3)
    out = interpolate(G, z0, z1, steps=5)
    assert out.shape == (10, 2)
    with torch.no_grad():
        assert torch.allclose(out[2], G(torch.full((1, 3), 0.5))[0])
        assert torch.allclose(out[9], G(z1[1:])[0])
    assert G.training  # left as it was


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: image_grid(torch.rand(4, 10), (3, 3), 2), "3×3 = 9 pixels"),
        (lambda: image_grid(torch.rand(4, 9), (3, 3), 0), "ncols"),
        (lambda: nearest_neighbours(torch.rand(4, 9), torch.rand(4, 8)), "dimension"),
        (lambda: with_neighbours(torch.rand(5, 9), torch.rand(4, 9), 2), r"rows·2"),
        (lambda: interpolate(Generator(3, 2), torch.zeros(1, 3), torch.zeros(1, 3), 1), "steps"),
        (lambda: interpolate(Generator(3, 2), torch.zeros(1, 2), torch.zeros(1, 2), 4), "shape"),
    ],
)
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()

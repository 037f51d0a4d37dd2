"""Material parameters of the Ta/CoFeB/MgO DW-MTJ stack (SI units throughout).

A :class:`Material` is a frozen, validated (pydantic) dataclass. Presets are available with
:func:`load_material`; any value can be overridden with ``material.replace(Ms=...)``
(or ``dataclasses.replace``), which re-validates.

Sources of the default values (each field's comment repeats the short reference):

- [Leonard] T. Leonard et al., "Shape-dependent multi-weight magnetic artificial synapses for
  neuromorphic computing" (the paper in ../shared/paper): TMR and RA of the two devices.
- [Ikeda] S. Ikeda et al., Nat. Mater. 9, 721 (2010): perpendicular Ta/CoFeB/MgO; Ms of
  about 1.1-1.3 MA/m after annealing and a small positive effective anisotropy for
  ~1-1.3 nm CoFeB.
- [Liu] L. Liu et al., Science 336, 555 (2012): beta-Ta spin Hall angle |theta_SH| = 0.12-0.15,
  resistivity about 190 uOhm cm.
- [Devolder] T. Devolder et al., Appl. Phys. Lett. 102, 022407 (2013): damping 0.01-0.03 of
  ultrathin perpendicular CoFeB.
- [Torrejon] J. Torrejon et al., Nat. Commun. 5, 4655 (2014): interfacial DMI of
  heavy-metal/CoFeB/MgO; Ta gives |D| of a few 0.01 mJ/m^2 up to ~0.1 mJ/m^2, W up to 0.25.
- [Kim] J. Kim et al., Nat. Mater. 12, 240 (2013): Ta/CoFeB/MgO field-like/damping-like
  ratio of order 1-3, strongly dependent on thickness and annealing.
- [OOMMF-ref] ../shared/oommf-reference/README.md cases B and C (Ms, A, Ku, D, alpha of the
  reference PMA strip), so that the JAX engine and OOMMF are validated on the same numbers.
"""

from __future__ import annotations

import dataclasses
import math

from pydantic import Field, field_validator

from geometries.validation import Real, TypedConfig, config_dataclass, quantity

MU0 = 4e-7 * math.pi  # vacuum permeability (T m / A)


@config_dataclass
class Material(TypedConfig):
    """Magnetic and electrical parameters of the heavy-metal/ferromagnet/MgO stack.

    All values in SI units. ``theta_sh`` is the effective spin Hall angle in this project's
    sign convention: positive means a current along +x drives an up/down wall towards +x
    (as in the experiment, where a positive IN->CLK pulse moves the wall from IN to CLK;
    physically Ta has theta_SH < 0 and a left-handed DMI, which gives the same direction).
    """

    name: str = Field("ta-cofeb-mgo", min_length=1, description="preset / label")
    #: saturation magnetisation of CoFeB (A/m); [Ikeda] 1.1-1.3 MA/m, [OOMMF-ref] 1.1e6.
    Ms: Real = quantity(
        1.1e6, unit="A/m", description="saturation magnetisation", gt=0, typical=(1e4, 5e6)
    )
    #: exchange stiffness (J/m); typical CoFeB value 1.5e-11, as in [OOMMF-ref] case B.
    A: Real = quantity(
        1.5e-11, unit="J/m", description="exchange stiffness", gt=0, typical=(1e-13, 1e-10)
    )
    #: uniaxial (z) anisotropy constant (J/m^3); with Ms = 1.1 MA/m this leaves
    #: K_eff = Ku - mu0 Ms^2/2 = 9.0e4 J/m^3 > 0, the weak PMA of ~1 nm CoFeB [Ikeda];
    #: value of [OOMMF-ref] case B.
    Ku: Real = quantity(
        8.5e5, unit="J/m^3", description="uniaxial (z) anisotropy", gt=0, typical=(1e2, 1e8)
    )
    #: Gilbert damping; [Devolder] 0.01-0.03; 0.02 as in [OOMMF-ref] case C.
    alpha: Real = quantity(0.02, unit="", description="Gilbert damping", gt=0, lt=1)
    #: interfacial DMI constant (J/m^2), Cnv_z; [Torrejon] report up to ~0.1e-3 for Ta; we use
    #: 0.3e-3 of [OOMMF-ref] case B (a stable Neel wall; velocity saturation ~75 m/s).
    D: Real = quantity(
        0.3e-3, unit="J/m^2", description="interfacial DMI constant (Cnv_z)", typical=(-1e-2, 1e-2)
    )
    #: effective spin Hall angle of beta-Ta (magnitude 0.12 from [Liu]; sign: see class doc).
    theta_sh: Real = quantity(
        0.12, unit="", description="effective spin Hall angle", gt=0, typical=(1e-4, 3.0)
    )
    #: field-like / damping-like torque ratio H_FL/H_DL (H_FL along +sigma when positive).
    #: [Kim] measure 1-3 in Ta/CoFeB/MgO, but it depends strongly on thickness and annealing
    #: and only tilts the wall; 0 by default (damping-like only), set it to study its effect.
    field_like_ratio: Real = quantity(
        0.0,
        unit="",
        description="field-like / damping-like torque ratio H_FL/H_DL",
        typical=(-20.0, 20.0),
    )
    #: resistivity of beta-Ta (Ohm m); [Liu] ~190 uOhm cm.
    rho_hm: Real = quantity(
        1.9e-6, unit="Ohm m", description="heavy-metal resistivity", gt=0, typical=(1e-9, 1e-3)
    )
    #: heavy-metal (Ta) thickness (m); 5 nm, a typical beta-Ta underlayer ([Liu] use 6 nm;
    #: the paper does not state its stack, its Ref. 20 uses a few-nm Ta underlayer).
    t_hm: Real = quantity(
        5e-9, unit="m", description="heavy-metal thickness", gt=0, typical=(1e-10, 1e-6)
    )
    #: CoFeB free-layer thickness (m); 1 nm (ultrathin PMA CoFeB [Ikeda]; [OOMMF-ref]).
    t_fm: Real = quantity(
        1e-9, unit="m", description="free-layer (film) thickness", gt=0, typical=(1e-10, 1e-6)
    )
    #: resistance-area product of the MTJ (Ohm m^2); [Leonard] 60 Ohm um^2 (trapezoid).
    ra_product: Real = quantity(
        60e-12,
        unit="Ohm m^2",
        description="MTJ resistance-area product",
        gt=0,
        typical=(1e-15, 1e-6),
    )
    #: tunnel magnetoresistance (R_AP - R_P)/R_P as a fraction; [Leonard] 54 % (trapezoid).
    tmr: Real = quantity(
        0.54, unit="", description="TMR (R_AP - R_P)/R_P as a fraction (0.54 = 54 %)", ge=0
    )
    #: relative standard deviation of Ku from grain to grain (0 = uniform film).
    ku_dispersion: Real = quantity(
        0.0, unit="", description="relative grain-to-grain spread of Ku", ge=0, lt=1
    )
    #: mean grain diameter used for the anisotropy dispersion (m); ~20 nm, typical of
    #: sputtered CoFeB before/after annealing (order of magnitude only).
    grain_size: Real = quantity(
        20e-9, unit="m", description="mean grain diameter", gt=0, typical=(1e-10, 1e-5)
    )

    @field_validator("tmr")
    @classmethod
    def _fraction(cls, value: float) -> float:
        if value > 10:
            raise ValueError(f"{value!r} looks like a percentage; give a fraction (0.54 = 54 %)")
        return value

    def replace(self, **changes: float | str) -> Material:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    @property
    def K_eff(self) -> float:
        """Thin-film effective anisotropy Ku - mu0 Ms^2 / 2 (J/m^3)."""
        return self.Ku - 0.5 * MU0 * self.Ms**2

    @property
    def wall_width(self) -> float:
        """Bloch-parameter wall width sqrt(A / K_eff) (m); ValueError if K_eff <= 0."""
        if self.K_eff <= 0:
            raise ValueError("Ku: no perpendicular anisotropy (K_eff <= 0)")
        return math.sqrt(self.A / self.K_eff)

    @property
    def sigma_hm(self) -> float:
        """Heavy-metal conductivity 1/rho (S/m)."""
        return 1.0 / self.rho_hm


#: Named presets. The two devices share the stack; they differ in the MTJ ([Leonard]:
#: trapezoid TMR 54 %, RA 60 Ohm um^2; straight TMR 16 %, RA 380 Ohm um^2).
PRESETS: dict[str, Material] = {
    "ta-cofeb-mgo": Material(),
    "ta-cofeb-mgo-trapezoid": Material(name="ta-cofeb-mgo-trapezoid"),
    "ta-cofeb-mgo-straight": Material(name="ta-cofeb-mgo-straight", ra_product=380e-12, tmr=0.16),
}


def load_material(name: str = "ta-cofeb-mgo") -> Material:
    """Return the named material preset (see :data:`PRESETS`)."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(
            f"name: unknown material preset {name!r}; choose from {sorted(PRESETS)}"
        ) from None


def material_for_geometry(geometry_preset: str) -> Material:
    """The material (with the device's MTJ) that goes with a geometry preset name."""
    if "straight" in geometry_preset:
        return PRESETS["ta-cofeb-mgo-straight"]
    return PRESETS["ta-cofeb-mgo-trapezoid"]

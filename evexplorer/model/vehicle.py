"""Vehicle price and the first year of price parity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from .mineral_table import MINERALS

if TYPE_CHECKING:
    from .core import Inputs
    from .cost import Cost
    from .minerals import Minerals


def ev_price(nonbattery_price: ArrayLike, pack_cost: ArrayLike, battery_size: ArrayLike,
             ndpr_per_vehicle: ArrayLike, ndpr_price: ArrayLike) -> np.ndarray:
    """Price of an electric car: the car without battery, the pack, the motor magnets.

    .. math:: P_{EV} = P_0 + c_{pack} B + m_{NdPr}\\,p_{NdPr}

    Parameters
    ----------
    nonbattery_price : array_like
        Car without battery and magnets [USD].
    pack_cost : array_like
        Pack cost [USD/kWh].
    battery_size : array_like
        Battery capacity [kWh].
    ndpr_per_vehicle : array_like
        NdPr oxide in the motor magnets [kg].
    ndpr_price : array_like
        NdPr oxide price [USD/kg].

    Returns
    -------
    numpy.ndarray
        EV price [USD].
    """
    return (np.asarray(nonbattery_price) + np.asarray(pack_cost) * battery_size
            + np.asarray(ndpr_per_vehicle) * ndpr_price)


def parity_year(years: ArrayLike, ev_price: ArrayLike, ice_price: ArrayLike) -> np.ndarray:
    """First year in which the EV costs no more than the gasoline car.

    Parameters
    ----------
    years : array_like
        Calendar years, shape (T,) [year].
    ev_price, ice_price : array_like
        Prices, years on the last axis [USD].

    Returns
    -------
    numpy.ndarray
        Year of parity [year], NaN where it never comes; shape of the leading axes.
    """
    at_parity = np.asarray(ev_price) <= np.asarray(ice_price)
    first = np.argmax(at_parity, axis=-1)
    return np.where(at_parity.any(axis=-1), np.asarray(years, float)[first], np.nan)


@dataclass(frozen=True)
class Vehicle:
    """Output of the vehicle step; arrays of shape (S, T) [USD].

    Attributes
    ----------
    ev_price, ice_price : numpy.ndarray
        Price of the EV and of the comparable gasoline car.
    """

    ev_price: np.ndarray
    ice_price: np.ndarray


def step(inputs: Inputs, cost: Cost, minerals: Minerals) -> Vehicle:
    """Run the vehicle step: the EV's price from its pack and magnets; the gasoline car's."""
    p = inputs.levers
    price = ev_price(p["ev_nonbattery_price"], cost.pack, p["battery_size"],
                     p["ndpr_per_vehicle"], minerals.price[MINERALS.index("ndpr")])
    ice = p["ice_vehicle_price"] * np.ones(len(inputs.years))
    return Vehicle(ev_price=price, ice_price=ice)

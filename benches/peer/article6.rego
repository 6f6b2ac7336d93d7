# Article 6 of the measures (the nine recognition criteria), as policies/article06.policy
# states them, written in Rego for the peer benchmark (benches/peer.rs), evaluated on
# 30 June 2025: 近三年 is 2022–2024 and incidents count from 30 June 2022.
#
# Rego has two outcomes where `policy` has three: a criterion whose facts are missing is
# "undefined" here, which a caller reads as "not met". Growth and shares are compared by
# cross-multiplication (last ≥ first × (1 + rate)², part × 2 ≥ whole), as `policy` does,
# so no rounding enters either side.
package article6

import rego.v1

first := "2022"

middle := "2023"

last := "2024"

window_start := "2022-06-30"

as_of := "2025-06-30"

severity_rank := {"general": 0, "larger": 1, "major": 2, "especially_major": 3}

accidents := {"safety", "quality", "environment"}

security_events := {"network_security", "data_security"}

# 须计入: accidents from 较大, security events from 重大, every other category always.
counts(i) if {
	i.category in accidents
	severity_rank[i.severity] >= severity_rank.larger
}

counts(i) if {
	i.category in security_events
	severity_rank[i.severity] >= severity_rank.major
}

counts(i) if {
	not i.category in accidents
	not i.category in security_events
}

counted(i) if {
	i.date >= window_start
	i.date <= as_of
	counts(i)
}

# Compound growth over the three years at least `rate`: last ≥ first × (1 + rate)².
grows(s, rate) if {
	s[middle] >= 0
	s[first] > 0
	s[last] >= 0
	s[last] >= (s[first] * (1 + rate)) * (1 + rate)
}

clause1 if {
	is_array(input.incidents)
	every i in input.incidents {
		not counted(i)
	}
}

clause2 if {
	input.industrial_policy_compliant == true
	input.district_pillar_or_featured == true
	input.segment_front_runner == true
	every y in [first, middle, last] {
		input.output_value[y] >= 30
	}
	input.output_value[last] > 0
	input.sme_output_value[last] * 2 >= input.output_value[last]
	input.leading_industry_output_value[last] * 2 >= input.output_value[last]
	grows(input.output_value, 0.1)
}

clause3 if {
	input.tiered_cultivation_ongoing == true
	champions_or_srdi
}

champions_or_srdi if input.champion_or_little_giant_count >= 1

champions_or_srdi if input.srdi_or_high_tech_count >= 10

clause4 if {
	input.chain_coordination_mechanism == true
	input.chain_map_drawn == true
	sharing_or_partners
}

sharing_or_partners if input.sharing_mechanism == true

sharing_or_partners if input.chain_partner_cooperation == true

clause5 if {
	grows(input.sme_rd_expenditure, 0.05)
	input.research_cooperation == true
	input.innovation_platforms >= 1
	input.standards_participated >= 2
	grows(input.sme_invention_patents, 0.15)
	input.sme_employees[last] > 0
	input.sme_invention_patents[last] * 10000 >= 15 * input.sme_employees[last]
}

clause6 if {
	input.digital_infrastructure == true
	input.digital_diagnosis_organised == true
	input.industrial_internet_adoption[last] >= 10
	input.production_data_connected == true
	input.industrial_internet_security == true
}

clause7 if {
	input.co2_intensity[middle] < input.co2_intensity[first]
	input.co2_intensity[last] < input.co2_intensity[middle]
	input.green_service_mechanism == true
	energy_ok
	water_ok
}

# Only for a high-energy (high-water) cluster; when that is not known, an efficiency known
# to be above the benchmark still meets it.
energy_ok if input.high_energy_industry == false

energy_ok if input.energy_efficiency_above_benchmark == true

water_ok if input.high_water_industry == false

water_ok if input.water_efficiency_above_benchmark == true

clause8 if input.international_cooperation == true

clause9 if {
	input.operator_established == true
	input.public_service_institution == true
	input.service_specialist_team == true
	input.grievance_mechanism == true
	input.policy_full_coverage == true
	input.three_year_plan == true
}

eligible if {
	clause1
	clause2
	clause3
	clause4
	clause5
	clause6
	clause7
	clause8
	clause9
}
